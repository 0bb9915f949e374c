// A labelled set of DNA sequences, and the loader that turns it into one-hot batches.
//
// A SequenceDataset is rows of (name, chromosome, sequence, targets). The sequence of a row is
// produced on demand by a function, so a dataset can live in memory (a table, a small FASTA) or
// stream from an indexed FASTA on disk (regions of a genome): then only the batch being built is
// in memory, and a dataset larger than RAM still trains. Targets are small and held in memory.
//
// The loader cuts a list of rows into batches:
//   x     [B, 4, L]  float32 one-hot (A, C, G, T; N and other IUPAC codes an all-zero column)
//   y     [B, T]     float32 targets of the batch's rows (T = 0 for an unlabelled dataset)
//   lengths [B]      with PadWithMask only: row i's bases are x's columns [0, lengths[i]); the
//                    columns after them are padding (all zero, as an N is), which a model must
//                    tell apart from N's inside the sequence (genomics/models/padded_batch.h)
// Every sequence becomes length L by the length policy. Training loaders shuffle and apply
// reverse-complement augmentation: each sequence is replaced by its reverse complement with
// probability 1/2 (a flip of both axes of its one-hot matrix); targets that belong to positions
// (one per base, as in the TF-binding task) are reversed with it.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/array.h"
#include "genomics/tasks.h"

namespace dnagrad::genomics {

// Input rows that did not become dataset rows, e.g. FASTA records without a label. Nothing is
// dropped silently: commands print each group on stderr and write it into their JSON.
struct SkippedRows {
  std::string what;   // "sequences in seqs.fa without a label in labels.tsv"
  int64_t count = 0;  // how many
  std::string first;  // the first one's name, as an example
};
// "3 sequences in seqs.fa without a label in labels.tsv are not used (first: 'seq7')"
std::string describe(const SkippedRows& skipped);

struct SequenceDataset {
  std::string label;                             // where it came from, for messages
  std::vector<std::string> names;                // one per row
  std::vector<std::string> chroms;               // one per row; "" when unknown (sequence tables)
  std::vector<int64_t> lengths;                  // one per row, known without reading the sequence
  std::vector<std::string> target_names;         // label columns; empty for an unlabelled dataset
  std::vector<float> targets;                    // [rows, target_names.size()], row-major
  bool targets_per_position = false;             // target t belongs to base t (RC reverses them)
  std::function<std::string(int64_t)> sequence;  // the sequence of row i, as read
  std::vector<SkippedRows> skipped;              // input rows left out, by reason
  std::vector<std::string> class_names;          // text labels: class index -> name; else empty
  std::vector<std::string> notes;                // how the files were read, for the user

  int64_t size() const { return static_cast<int64_t>(names.size()); }
  int64_t num_targets() const { return static_cast<int64_t>(target_names.size()); }
  const float* targets_of(int64_t row) const { return targets.data() + row * num_targets(); }
};

// A dataset over sequences held in memory. `targets` is [rows, target_names.size()] (empty
// target_names: unlabelled); chroms may be empty (then all "").
SequenceDataset in_memory_dataset(std::string label, std::vector<std::string> names,
                                  std::vector<std::string> sequences,
                                  std::vector<std::string> target_names = {},
                                  std::vector<float> targets = {},
                                  std::vector<std::string> chroms = {});

// Checks the dataset's invariants (sizes agree, targets finite); throws naming the row.
void check_dataset(const SequenceDataset& data);

// How sequences of different lengths become one input length.
struct LengthPolicy {
  enum class Kind {
    Exact,        // all sequences must have the same length already (else an error)
    CenterFit,    // centre crop or pad with N to `length`
    PadWithMask,  // each batch padded at the end with N to its longest sequence; Batch::lengths
  };
  Kind kind = Kind::Exact;
  int64_t length = 0;  // CenterFit only
};

// Centre crop or pad with N to `length`: (len - length) / 2 bases (rounded down) are removed
// from (or N's added to) the start and the rest at the end, so a sequence keeps its centre.
std::string center_fit(std::string_view seq, int64_t length);

// The input length the policy gives for `rows` of `data`: CenterFit's length, or the common
// length for Exact (throws naming the first row whose length differs, and the policy to use),
// or 0 for PadWithMask (lengths vary per batch).
int64_t input_length(const SequenceDataset& data, const std::vector<int64_t>& rows,
                     const LengthPolicy& policy);

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = false;
  bool rc_augment = false;
  bool drop_last = false;
  LengthPolicy length{};
  uint64_t seed = 0;  // shuffling and augmentation
};

struct Batch {
  std::vector<int64_t> rows;     // dataset rows, in batch order
  std::vector<bool> reversed;    // which of them were reverse-complemented
  Array x;                       // [B, 4, L]
  Array y;                       // [B, T]
  std::vector<int64_t> lengths;  // [B] bases before the padding, PadWithMask only (else empty)
};

class DataLoader {
 public:
  // Keeps a reference to `data`, which must outlive the loader. Checks the length policy now.
  DataLoader(const SequenceDataset& data, std::vector<int64_t> rows, LoaderOptions options);

  int64_t num_batches() const;
  int64_t num_rows() const { return static_cast<int64_t>(rows_.size()); }
  const std::vector<int64_t>& rows() const { return rows_; }
  int64_t input_length() const { return length_; }  // 0 with PadWithMask

  // Calls fn(batch_index, batch) for each batch of epoch `epoch` (0-based). The order and the
  // augmentation of an epoch depend only on (seed, epoch), so a run resumed at epoch e sees the
  // same batches as an uninterrupted one.
  void for_each_batch(int64_t epoch, const std::function<void(int64_t, const Batch&)>& fn) const;

  // One batch of the given rows, without augmentation (reversed: all false or all true).
  Batch make_batch(const std::vector<int64_t>& rows, bool reverse_all = false) const;

 private:
  Batch build(const std::vector<int64_t>& rows, const std::vector<bool>& reversed) const;

  const SequenceDataset& data_;
  std::vector<int64_t> rows_;
  LoaderOptions options_;
  int64_t length_;
};

// The task the labels suggest: multiclass for text labels, binary when every label is 0 or 1,
// else regression.
Task infer_task(const SequenceDataset& data);

// Re-indexes text class labels to `names` (a checkpoint's classes, from `source`), so class i
// means what it meant in training; throws naming a label that is not among them.
void use_class_names(SequenceDataset& data, const std::vector<std::string>& names,
                     const std::string& source);

// Checks the dataset's targets fit the task (binary: 0/1; multiclass: one column of class
// indices) and returns the number of model outputs (T, or C = largest class + 1). Throws naming
// the row and the value.
int64_t task_outputs(Task task, const SequenceDataset& data);

}  // namespace dnagrad::genomics
