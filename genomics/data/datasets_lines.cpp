// Layouts (d) and (e) of datasets.h: one FASTA per class, and a sequences file with a labels
// file, one per line. Both are read whole into memory (they are the small-set layouts: peaks of a
// ChIP-seq experiment, a simulated benchmark); their labels go through encode_labels, so text
// labels become classes exactly as in a label table.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <unordered_map>

#include "core/error.h"
#include "genomics/data/datasets.h"
#include "genomics/io/fasta.h"
#include "genomics/io/table.h"
#include "genomics/io/text_lines.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace {

// The lines of a text file (plain or gzip) and their 1-based line numbers. Blank lines may only
// end the file: one inside would shift every later row against the other file.
void read_lines(const std::string& path, std::vector<std::string>& lines,
                std::vector<int64_t>& numbers) {
  const std::string text = read_text_file(path);
  int64_t blank = 0;  // the first blank line seen, 0 for none
  for_each_line(text, [&](std::string_view line, int64_t line_no) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      if (blank == 0) blank = line_no;
      return true;
    }
    DNAGRAD_CHECK(blank == 0, path, ":", blank,
                  ": blank line (one entry per line; a blank line would shift the rows after it)");
    lines.emplace_back(line);
    numbers.push_back(line_no);
    return true;
  });
  DNAGRAD_CHECK(!lines.empty(), path, ": the file holds no lines");
}

}  // namespace

SequenceDataset per_class_dataset(const DataSpec& spec) {
  std::vector<std::string> names, seqs, file_labels, origins;
  std::vector<int64_t> arg_numbers;  // 1-based position of each FILE=LABEL argument
  std::vector<size_t> file_of;       // per row: its file's index
  // name -> "file:line", so a name in two files is an error naming both.
  std::unordered_map<std::string, std::string> seen;
  for (size_t f = 0; f < spec.fasta_per_class.size(); ++f) {
    const std::string& arg = spec.fasta_per_class[f];
    const size_t eq = arg.rfind('=');
    DNAGRAD_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < arg.size(), "--fasta-per-class '",
                  arg, "': expected FILE=LABEL (e.g. pos.fa=1 neg.fa=0)");
    const std::string path = arg.substr(0, eq);
    file_labels.push_back(arg.substr(eq + 1));
    arg_numbers.push_back(static_cast<int64_t>(f + 1));
    for (FastaRecord& r : read_fasta_records(path)) {
      const std::string where = cat(path, ":", r.line);
      const auto [it, fresh] = seen.emplace(r.name, where);
      DNAGRAD_CHECK(fresh, where, ": duplicate sequence name '", r.name, "' (also at ", it->second,
                    ")");
      names.push_back(std::move(r.name));
      seqs.push_back(std::move(r.seq));
      file_of.push_back(f);
    }
  }
  const EncodedLabels labels =
      encode_labels(file_labels, "--fasta-per-class", arg_numbers, "LABEL");
  std::vector<float> targets;
  for (size_t f : file_of) targets.push_back(static_cast<float>(labels.values[f]));
  SequenceDataset data =
      in_memory_dataset(cat(spec.fasta_per_class.size(), " per-class FASTA files"),
                        std::move(names), std::move(seqs), {"label"}, std::move(targets));
  data.class_names = labels.class_names;
  return data;
}

SequenceDataset lines_dataset(const DataSpec& spec) {
  std::vector<std::string> seqs;
  std::vector<int64_t> seq_lines;
  read_lines(spec.sequences, seqs, seq_lines);
  std::vector<std::string> names;
  for (size_t r = 0; r < seqs.size(); ++r) {
    for (size_t i = 0; i < seqs[r].size(); ++i)
      DNAGRAD_CHECK(base_index(seqs[r][i]) != -2, spec.sequences, ":", seq_lines[r], ": '",
                    seqs[r][i], "' at position ", i + 1, " is not a nucleotide (IUPAC) code");
    names.push_back(cat("line_", seq_lines[r]));
  }
  if (!spec.labelled) return in_memory_dataset(spec.sequences, std::move(names), std::move(seqs));
  DNAGRAD_CHECK(!spec.line_labels.empty(), spec.sequences,
                ": no labels file (--line-labels: one label per line)");
  std::vector<std::string> fields;
  std::vector<int64_t> label_lines;
  read_lines(spec.line_labels, fields, label_lines);
  DNAGRAD_CHECK(fields.size() == seqs.size(), spec.line_labels, ": ", fields.size(),
                " labels for the ", seqs.size(), " sequences of ", spec.sequences,
                " (one label per line, in the same order)");
  const EncodedLabels labels = encode_labels(fields, spec.line_labels, label_lines, "label");
  std::vector<float> targets(labels.values.begin(), labels.values.end());
  SequenceDataset data = in_memory_dataset(spec.sequences, std::move(names), std::move(seqs),
                                           {"label"}, std::move(targets));
  data.class_names = labels.class_names;
  return data;
}

}  // namespace dnagrad::genomics
#endif  // DNAGRAD_WITH_GENOMICS_IO
