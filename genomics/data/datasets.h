// Datasets from files: the three layouts `dnagrad train / evaluate / predict` accept.
//
//   (a) sequences from a FASTA, labels from a table keyed by name
//         --fasta seqs.fa --labels labels.tsv              one sequence per FASTA record
//         --fasta genome.fa --bed regions.bed --labels …   BED regions (strand-aware), named by
//                                                          the BED name column
//         --fasta genome.fa --genes genes.gff3 --labels …  promoters [TSS − upstream, TSS) of
//                                                          the genes, strand-aware, named by gene
//                                                          name or ID
//       The rows are the label table's names, in its order; each must name a sequence (else an
//       error at the label file's line). Sequences without a label are not used. The FASTA is
//       indexed (.fai, built when missing) and read on demand, batch by batch, so a genome or a
//       sequence set larger than memory is fine.
//   (b) a CSV/TSV table with a sequence column and label columns (Genomic Benchmarks' layout:
//       seq,label), held in memory. Rows are named by --name-column, else "line_<N>".
//   (c) the course's TF-binding files: a table `sequence<TAB>window_name` and a table whose
//       columns are the window names and whose rows are positions; each window gets one target
//       per position (targets_per_position), and its chromosome from the name (chr22_…).
//   (d) one FASTA per class: --fasta-per-class pos.fa=1 neg.fa=0 (or bound.fa=bound
//       unbound.fa=unbound: text labels are classes); rows are the records, file after file.
//   (e) a sequences file and a labels file, one per line: --sequences seqs.txt
//       --line-labels labels.txt; the counts must match. Rows are named "line_<N>".
// Text labels anywhere become classes: indices into their sorted names (class_names).
// Without labels (predict), (a) uses every record / region / gene, (b) every row and (e) every
// line.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "genomics/data/dataset.h"

namespace dnagrad::genomics {

struct DataSpec {
  std::string fasta, bed, genes;                // (a)
  int64_t upstream = 2000;                      // (a) with genes: promoter length
  std::string table;                            // (b)
  std::string seq_column = "seq";               // (b)
  std::string labels;                           // (a) label table
  bool labels_header = true;                    // (a) false: the label table has no header line
  std::string name_column;                      // (a) labels' name column ("" = first); (b) names
  std::vector<std::string> label_columns;       // empty: every other column ((b): but seq and name)
  std::string tfbind_sequences, tfbind_scores;  // (c)
  std::vector<std::string> fasta_per_class;     // (d) FILE=LABEL
  std::string sequences, line_labels;           // (e)
  bool labelled = true;                         // false: labels are neither needed nor read
};

// (d) and (e), in datasets_lines.cpp.
SequenceDataset per_class_dataset(const DataSpec& spec);
SequenceDataset lines_dataset(const DataSpec& spec);

// Reads and checks everything; throws a dnagrad::Error naming the file, line and value.
SequenceDataset load_dataset(const DataSpec& spec);

}  // namespace dnagrad::genomics
