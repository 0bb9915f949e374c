#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include "genomics/data/datasets.h"

#include <memory>
#include <string_view>
#include <unordered_map>

#include "core/error.h"
#include "genomics/io/fasta.h"
#include "genomics/io/intervals.h"
#include "genomics/io/table.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace {

// One named region of a genome, and how to read it.
struct Region {
  std::string name, chrom;
  int64_t length = 0;
  std::function<std::string(const SequenceSource&)> read;
};

std::vector<Region> fasta_records(const IndexedFasta& fasta) {
  std::vector<Region> out;
  for (const std::string& name : fasta.names()) {
    const int64_t length = fasta.length(name);
    out.push_back({name, "", length,
                   [name, length](const SequenceSource& g) { return g.fetch(name, 0, length); }});
  }
  return out;
}

std::vector<Region> bed_regions(const std::string& path, const IndexedFasta& fasta) {
  const std::vector<Interval> intervals = read_bed(path);
  check_chromosomes(intervals, fasta);
  // Rows are keyed by name (labels, predictions): two regions with one name would be ambiguous.
  std::unordered_map<std::string, const Interval*> by_name;
  for (const Interval& iv : intervals) {
    if (iv.name.empty()) continue;
    const auto [it, fresh] = by_name.emplace(iv.name, &iv);
    DNAGRAD_CHECK(fresh, iv.origin, ": duplicate region name '", iv.name, "' (also at ",
                  it->second->origin, ")");
  }
  std::vector<Region> out;
  for (const Interval& iv : intervals) {
    const std::string name = iv.name.empty() ? cat(iv.chrom, ":", iv.start, "-", iv.end) : iv.name;
    out.push_back({name, iv.chrom, iv.end - iv.start,
                   [iv](const SequenceSource& g) { return extract(iv, g); }});
  }
  return out;
}

std::vector<Region> gene_promoters(const std::string& path, int64_t upstream,
                                   const IndexedFasta& fasta) {
  DNAGRAD_CHECK(upstream > 0, "--upstream must be positive, got ", upstream);
  const std::vector<Gene> genes = read_genes(path);
  check_chromosomes(genes, fasta);
  std::vector<Region> out;
  for (const Gene& gene : genes)
    out.push_back({gene.name, gene.chrom, upstream, [gene, upstream](const SequenceSource& g) {
                     return promoter(gene, g, upstream);
                   }});
  return out;
}

// Case (a): regions of an indexed FASTA, joined with the label table by name.
SequenceDataset regions_dataset(const DataSpec& spec) {
  auto fasta = std::make_shared<IndexedFasta>(spec.fasta);
  DNAGRAD_CHECK(spec.bed.empty() || spec.genes.empty(), "give --bed or --genes, not both");
  std::vector<Region> regions = !spec.bed.empty() ? bed_regions(spec.bed, *fasta)
                                : !spec.genes.empty()
                                    ? gene_promoters(spec.genes, spec.upstream, *fasta)
                                    : fasta_records(*fasta);
  const std::string source = !spec.bed.empty()     ? spec.bed
                             : !spec.genes.empty() ? spec.genes
                                                   : spec.fasta;
  std::vector<size_t> rows;  // index into regions, per dataset row
  SequenceDataset data;
  data.label = source;
  if (spec.labelled) {
    DNAGRAD_CHECK(!spec.labels.empty(), source, ": no label table (--labels)");
    // A name may occur more than once among regions (genes with one name): then it is ambiguous.
    std::unordered_map<std::string, size_t> by_name;
    std::unordered_map<std::string, int> count;
    for (size_t i = 0; i < regions.size(); ++i) {
      by_name.emplace(regions[i].name, i);
      ++count[regions[i].name];
    }
    const Table table = read_label_file(spec.labels, spec.labels_header);
    // A header that names a sequence is a first row of data taken for a header (read_labels
    // catches a header of numbers; this catches the rest): that sample would vanish.
    if (table.header_line > 0) {
      const std::string& header_name = table.columns[static_cast<size_t>(
          spec.name_column.empty() ? 0 : table.column(spec.name_column))];
      DNAGRAD_CHECK(!by_name.count(header_name), table.label, ":", table.header_line,
                    ": the first line looks like data, not a header ('", header_name,
                    "' is a sequence in ", source,
                    "): add a header line naming the columns or give --no-header");
    }
    const LabelTable labels = labels_from_table(table, spec.name_column, spec.label_columns);
    for (size_t r = 0; r < labels.names.size(); ++r) {
      const std::string& name = labels.names[r];
      const auto it = by_name.find(name);
      DNAGRAD_CHECK(it != by_name.end(), labels.label, ":", labels.lines[r], ": a label for '",
                    name, "', which is not a sequence in ", source);
      DNAGRAD_CHECK(count[name] == 1, labels.label, ":", labels.lines[r], ": '", name, "' names ",
                    count[name], " sequences in ", source);
      rows.push_back(it->second);
      for (double v : labels.values[r]) data.targets.push_back(static_cast<float>(v));
    }
    data.target_names = labels.label_columns;
    data.class_names = labels.class_names;
    // Regions without a label are left out, counted (never silently).
    if (rows.size() < regions.size()) {
      std::vector<bool> used(regions.size(), false);
      for (size_t i : rows) used[i] = true;
      SkippedRows skipped{cat(spec.genes.empty() ? "sequences" : "genes", " in ", source,
                              " without a label in ", labels.label),
                          static_cast<int64_t>(regions.size() - rows.size()), ""};
      for (size_t i = 0; i < regions.size() && skipped.first.empty(); ++i)
        if (!used[i]) skipped.first = regions[i].name;
      data.skipped.push_back(skipped);
    }
  } else {
    for (size_t i = 0; i < regions.size(); ++i) rows.push_back(i);
  }
  auto picked = std::make_shared<std::vector<Region>>();
  for (size_t i : rows) {
    data.names.push_back(regions[i].name);
    data.chroms.push_back(regions[i].chrom);
    data.lengths.push_back(regions[i].length);
    picked->push_back(regions[i]);
  }
  data.sequence = [fasta, picked](int64_t row) {
    return (*picked)[static_cast<size_t>(row)].read(*fasta);
  };
  check_dataset(data);
  return data;
}

// Case (b): a table with a sequence column.
// At least 8 letters, all A, C, G, T or N (either case): a sequence, not a column name.
bool looks_like_dna(std::string_view s) {
  return s.size() >= 8 && s.find_first_not_of("ACGTNacgtn") == std::string_view::npos;
}

// The table and its sequence column. Without --seq-column and without a 'seq' column, the
// sequences are found: a header field that is DNA means the file has no header (it is read
// again with every line a row: the sequence column is named seq, the others label/label_<k>);
// else a column whose first value is DNA. A note says which.
std::pair<Table, int64_t> table_and_sequence_column(const DataSpec& spec,
                                                    std::vector<std::string>& notes) {
  Table table = read_table(spec.table);
  if (spec.seq_column != "seq" || table.has_column("seq"))
    return {table, table.column(spec.seq_column)};
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (!looks_like_dna(table.columns[c])) continue;
    table = read_table(spec.table, {.header = false});
    const size_t n = table.columns.size();
    for (size_t k = 0, label = 0; k < n; ++k)
      table.columns[k] = k == c ? "seq" : n == 2 ? "label" : cat("label_", ++label);
    notes.push_back(cat(spec.table, ": no header line (line ", table.lines.front(),
                        " holds a sequence): every line is a row; column ", c + 1,
                        " holds the sequences"));
    return {table, static_cast<int64_t>(c)};
  }
  for (size_t c = 0; c < table.columns.size() && !table.rows.empty(); ++c)
    if (looks_like_dna(table.rows.front()[c])) {
      notes.push_back(cat(spec.table, ": no 'seq' column; column '", table.columns[c],
                          "' holds the sequences (--seq-column chooses)"));
      return {table, static_cast<int64_t>(c)};
    }
  return {table, table.column(spec.seq_column)};  // throws naming the columns
}

SequenceDataset table_dataset(const DataSpec& spec) {
  std::vector<std::string> notes;
  const auto [table, seq_col] = table_and_sequence_column(spec, notes);
  const int64_t name_col = spec.name_column.empty() ? -1 : table.column(spec.name_column);
  std::vector<int64_t> label_cols;
  std::vector<std::string> target_names;
  if (spec.labelled) {
    if (spec.label_columns.empty()) {
      for (int64_t c = 0; c < static_cast<int64_t>(table.columns.size()); ++c)
        if (c != seq_col && c != name_col) label_cols.push_back(c);
    } else {
      for (const std::string& name : spec.label_columns) label_cols.push_back(table.column(name));
    }
    DNAGRAD_CHECK(!label_cols.empty(), table.label, ": no label columns besides '",
                  table.columns[static_cast<size_t>(seq_col)],
                  "' (labels in a file of their own, one per line: --sequences ", table.label,
                  " --line-labels LABELS)");
    for (int64_t c : label_cols) target_names.push_back(table.columns[static_cast<size_t>(c)]);
  }
  std::vector<std::string> names, seqs;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const std::string& seq = row[static_cast<size_t>(seq_col)];
    const int64_t line = table.lines[r];
    DNAGRAD_CHECK(!seq.empty(), table.label, ":", line, ": empty sequence");
    for (size_t i = 0; i < seq.size(); ++i)
      DNAGRAD_CHECK(base_index(seq[i]) != -2, table.label, ":", line, ": column '",
                    table.columns[static_cast<size_t>(seq_col)], "': '", seq[i], "' at position ",
                    i + 1, " is not a nucleotide (IUPAC) code");
    names.push_back(name_col >= 0 ? row[static_cast<size_t>(name_col)] : cat("line_", line));
    seqs.push_back(seq);
  }
  // Label columns one by one (a single column of text labels is classes).
  std::vector<float> targets(table.rows.size() * label_cols.size());
  std::vector<std::string> class_names;
  for (size_t k = 0; k < label_cols.size(); ++k) {
    const auto c = static_cast<size_t>(label_cols[k]);
    std::vector<std::string> fields;
    for (const auto& row : table.rows) fields.push_back(row[c]);
    EncodedLabels e =
        encode_labels(fields, table.label, table.lines, table.columns[c], label_cols.size() == 1);
    if (!e.class_names.empty()) class_names = std::move(e.class_names);
    for (size_t r = 0; r < fields.size(); ++r)
      targets[r * label_cols.size() + k] = static_cast<float>(e.values[r]);
  }
  SequenceDataset data = in_memory_dataset(table.label, std::move(names), std::move(seqs),
                                           std::move(target_names), std::move(targets));
  data.class_names = std::move(class_names);
  data.notes = std::move(notes);
  return data;
}

// Case (c): the course's TF-binding windows and their per-position scores.
SequenceDataset tfbind_dataset(const DataSpec& spec) {
  const Table windows = read_table(spec.tfbind_sequences);
  const int64_t seq_col = windows.column("sequence");
  const int64_t name_col = windows.column("window_name");
  std::vector<std::string> names, seqs, chroms;
  for (size_t r = 0; r < windows.rows.size(); ++r) {
    const std::string& name = windows.rows[r][static_cast<size_t>(name_col)];
    const std::string& seq = windows.rows[r][static_cast<size_t>(seq_col)];
    for (size_t i = 0; i < seq.size(); ++i)
      DNAGRAD_CHECK(base_index(seq[i]) != -2, windows.label, ":", windows.lines[r], ": '", seq[i],
                    "' at position ", i + 1, " is not a nucleotide (IUPAC) code");
    names.push_back(name);
    seqs.push_back(seq);
    chroms.push_back(name.substr(0, name.find('_')));
  }
  std::vector<std::string> target_names;
  std::vector<float> targets;
  if (spec.labelled) {
    DNAGRAD_CHECK(!spec.tfbind_scores.empty(), spec.tfbind_sequences,
                  ": the scores file is missing (--tfbind-scores)");
    const Table scores = read_table(spec.tfbind_scores);
    const auto positions = static_cast<int64_t>(scores.rows.size());
    for (int64_t t = 0; t < positions; ++t) target_names.push_back(cat("pos_", t));
    targets.resize(names.size() * static_cast<size_t>(positions));
    // Columns by name, found once: a search per window would be quadratic (23,139 windows).
    std::unordered_map<std::string_view, size_t> column_of;
    for (size_t c = 0; c < scores.columns.size(); ++c) column_of.emplace(scores.columns[c], c);
    for (size_t w = 0; w < names.size(); ++w) {
      const auto found = column_of.find(names[w]);
      DNAGRAD_CHECK(found != column_of.end(), spec.tfbind_scores, ": no column for window '",
                    names[w], "' (", windows.label, ":", windows.lines[w], ")");
      const size_t col = found->second;
      for (int64_t t = 0; t < positions; ++t) {
        const auto& row = scores.rows[static_cast<size_t>(t)];
        targets[w * static_cast<size_t>(positions) + static_cast<size_t>(t)] = static_cast<float>(
            parse_number(row[col], scores.label, scores.lines[static_cast<size_t>(t)], names[w]));
      }
    }
  }
  SequenceDataset data =
      in_memory_dataset(windows.label, std::move(names), std::move(seqs), std::move(target_names),
                        std::move(targets), std::move(chroms));
  data.targets_per_position = spec.labelled;
  for (int64_t len : data.lengths)
    if (len != data.num_targets()) data.targets_per_position = false;
  return data;
}

}  // namespace

SequenceDataset load_dataset(const DataSpec& spec) {
  const int layouts = !spec.fasta.empty() + !spec.table.empty() + !spec.tfbind_sequences.empty() +
                      !spec.fasta_per_class.empty() + !spec.sequences.empty();
  DNAGRAD_CHECK(layouts == 1,
                "give exactly one data source: --fasta (with --labels, optionally --bed or "
                "--genes), --table, --fasta-per-class, --sequences (with --line-labels), or "
                "--tfbind-sequences with --tfbind-scores");
  SequenceDataset data = !spec.table.empty()              ? table_dataset(spec)
                         : !spec.tfbind_sequences.empty() ? tfbind_dataset(spec)
                         : !spec.fasta_per_class.empty()  ? per_class_dataset(spec)
                         : !spec.sequences.empty()        ? lines_dataset(spec)
                                                          : regions_dataset(spec);
  if (!data.class_names.empty()) {
    std::string mapping;
    for (size_t c = 0; c < data.class_names.size(); ++c)
      mapping += cat(c ? ", " : "", c, " = ", data.class_names[c]);
    data.notes.push_back(cat("text labels are classes (sorted names): ", mapping));
  }
  return data;
}

}  // namespace dnagrad::genomics
#endif  // DNAGRAD_WITH_GENOMICS_IO
