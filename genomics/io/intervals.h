// Genomic intervals: BED (0-based half-open) and GFF3/GTF gene records (1-based inclusive in the
// file, converted to 0-based half-open here), and strand-aware extraction of sequence from a
// SequenceSource: intervals on '-' come back reverse-complemented, and parts past a chromosome
// end are padded with 'N'. Every error names the file and line and the offending value.
// Built only with DNAGRAD_GENOMICS_IO (needs htslib for gzip input).
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "genomics/io/fasta.h"

namespace dnagrad::genomics {

enum class Strand { Plus, Minus, Unknown };  // '+', '-', '.'

struct Interval {
  std::string chrom;
  int64_t start = 0;  // 0-based, inclusive
  int64_t end = 0;    // 0-based, exclusive
  std::string name;   // empty when the BED has no name column
  double score = 0;   // 0 when absent or '.'
  Strand strand = Strand::Unknown;
  std::string origin;  // "file:line", for messages
};

// Reads a BED file (plain or gzip): chrom, start, end and the optional name, score and strand
// columns (further columns are ignored). Skips blank lines and '#', "track" and "browser" lines.
// Fields are tab-separated (whitespace-separated when a line has no tab).
std::vector<Interval> read_bed(const std::string& path);
std::vector<Interval> parse_bed(std::string_view text, const std::string& label);

struct Gene {
  std::string chrom;
  int64_t start = 0;  // 0-based, inclusive (GFF start - 1)
  int64_t end = 0;    // 0-based, exclusive (GFF end)
  Strand strand = Strand::Unknown;
  std::string id;     // GFF3 ID / GTF gene_id
  std::string name;   // GFF3 Name or gene / GTF gene_name; falls back to the id
  std::string type;   // the feature column
  std::string origin; // "file:line"
  // Transcription start site as a 0-based boundary: start on '+', end on '-'. Throws for an
  // unknown strand.
  int64_t tss() const;
};

struct GeneReadOptions {
  std::set<std::string> feature_types = {"gene"};
};

// Reads GFF3 or GTF (plain or gzip; the attribute syntax is detected per line). Keeps the
// features whose type is in options.feature_types. Stops at a "##FASTA" directive.
std::vector<Gene> read_genes(const std::string& path, const GeneReadOptions& options = {});
std::vector<Gene> parse_genes(std::string_view text, const std::string& label,
                              const GeneReadOptions& options = {});

// Sequence of an interval, reverse-complemented on '-', N-padded past chromosome ends. An
// unknown chromosome throws naming it, the interval's origin and the source.
std::string extract(const Interval& interval, const SequenceSource& genome);

// Promoter of a gene: on '+' [TSS - up, TSS + down); on '-' [TSS - down, TSS + up)
// reverse-complemented (TSS = end on '-'). So the result reads 5'->3' on the gene's strand and
// its last `up` bases lie upstream of the TSS. Unknown chromosome or strand throws naming the
// gene and its origin.
std::string promoter(const Gene& gene, const SequenceSource& genome, int64_t up, int64_t down = 0);

// Throws for the first interval or gene whose chromosome is not in `genome`.
void check_chromosomes(const std::vector<Interval>& intervals, const SequenceSource& genome);
void check_chromosomes(const std::vector<Gene>& genes, const SequenceSource& genome);

char strand_char(Strand s);

}  // namespace dnagrad::genomics
