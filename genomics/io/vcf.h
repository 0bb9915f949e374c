// VCF input through htslib: text VCF (plain, gzip or bgzip) and BCF. Only the first five columns
// are kept, which is what scoring a variant needs: where it is, what the reference has there
// and what each alternative allele puts instead. A data line looks like
//   #CHROM  POS    ID         REF  ALT    QUAL  FILTER  INFO
//   20      14370  rs6054257  G    A      29    PASS    DP=14
// POS is 1-based: the REF allele's first base is base POS of the chromosome, i.e. base POS - 1
// in the 0-based coordinates of SequenceSource::fetch, so the REF occupies the 0-based half-open
// interval [pos - 1, pos - 1 + ref.size()).
//
// What is checked (every error names the file and the line, or the record number for BCF, and
// the offending value):
//   - the file exists and htslib recognises it as VCF or BCF, with a header up to #CHROM;
//   - each text record has the 8 mandatory tab-separated columns, none of them empty, and POS is
//     a positive integer;
//   - htslib parses the record;
//   - compressed input (bgzip, gzip, BCF) that is cut short or damaged is an error, never a
//     shorter list: reading checks htslib's block errors and the BGZF end-of-file marker;
//   - REF consists of A, C, G, T and N only (either case);
//   - CHROM is declared by a ##contig header line. A BCF always declares its contigs. A text VCF
//     whose header has no ##contig lines at all is accepted with any CHROM (contig lines are
//     recommended, not required, by the VCF specification; the genome the variants are scored
//     against is the check that matters). When the header does list contigs, a record on
//     another one is an error: it usually means the file mixes references (e.g. "chr20" vs "20").
// ALT alleles are kept as written, including symbolic ones such as <DEL> and the '*' allele;
// is_snv tells the simple substitutions apart. Blank lines and CRLF line ends are accepted.
// Built only with DNAGRAD_GENOMICS_IO (needs htslib).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dnagrad::genomics {

struct Variant {
  std::string chrom;              // the CHROM column, as written
  int64_t pos = 0;                // 1-based, as in the VCF (0-based start = pos - 1)
  std::string id;                 // the ID column, "." when absent
  std::string ref;                // the reference allele, as written (A, C, G, T, N; any case)
  std::vector<std::string> alts;  // the ALT alleles in file order; empty when ALT is "."
  int64_t line = 0;  // 1-based line in a text VCF (header lines included); record number in BCF
};

// Reads every record of a VCF (plain, gzip or bgzip) or BCF file, in file order.
std::vector<Variant> read_vcf(const std::string& path);

// The same, chunk_size records at a time, in file order: memory stays bounded by a chunk for a
// VCF of any size. on_chunk may move the records out. Errors are thrown when the bad record is
// reached, after the chunks before it were handed over.
void read_vcf_chunks(const std::string& path, size_t chunk_size,
                     const std::function<void(std::vector<Variant>&)>& on_chunk);

// True for a single-base substitution: one base each, both among A, C, G, T (either case), and
// different from each other.
bool is_snv(const std::string& ref, const std::string& alt);

}  // namespace dnagrad::genomics
