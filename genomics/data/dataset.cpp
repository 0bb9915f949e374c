#include "genomics/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "core/rng.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

std::string describe(const SkippedRows& skipped) {
  return cat(skipped.count, " ", skipped.what, " ", skipped.count == 1 ? "is" : "are",
             " not used (first: '", skipped.first, "')");
}

SequenceDataset in_memory_dataset(std::string label, std::vector<std::string> names,
                                  std::vector<std::string> sequences,
                                  std::vector<std::string> target_names, std::vector<float> targets,
                                  std::vector<std::string> chroms) {
  DNAGRAD_CHECK(names.size() == sequences.size(), label, ": ", names.size(), " names for ",
                sequences.size(), " sequences");
  SequenceDataset data;
  data.label = std::move(label);
  data.names = std::move(names);
  data.chroms = chroms.empty() ? std::vector<std::string>(data.names.size()) : std::move(chroms);
  for (const std::string& s : sequences) data.lengths.push_back(static_cast<int64_t>(s.size()));
  data.target_names = std::move(target_names);
  data.targets = std::move(targets);
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(sequences));
  data.sequence = [shared](int64_t row) { return (*shared)[static_cast<size_t>(row)]; };
  check_dataset(data);
  return data;
}

void check_dataset(const SequenceDataset& data) {
  const size_t n = data.names.size();
  DNAGRAD_CHECK(data.chroms.size() == n && data.lengths.size() == n, data.label,
                ": chromosomes, lengths and names disagree in number");
  DNAGRAD_CHECK(data.targets.size() == n * data.target_names.size(), data.label, ": ",
                data.targets.size(), " target values for ", n, " rows of ",
                data.target_names.size(), " targets");
  DNAGRAD_CHECK(static_cast<bool>(data.sequence), data.label, ": no sequence source");
  for (size_t i = 0; i < data.targets.size(); ++i)
    DNAGRAD_CHECK(std::isfinite(data.targets[i]), data.label, ": sequence '",
                  data.names[i / data.target_names.size()], "' has the target value ",
                  data.targets[i]);
}

std::string center_fit(std::string_view seq, int64_t length) {
  DNAGRAD_CHECK(length > 0, "center_fit: length must be positive, got ", length);
  const auto len = static_cast<int64_t>(seq.size());
  if (len >= length)
    return std::string(
        seq.substr(static_cast<size_t>((len - length) / 2), static_cast<size_t>(length)));
  const int64_t before = (length - len) / 2;
  std::string out(static_cast<size_t>(length), 'N');
  std::copy(seq.begin(), seq.end(), out.begin() + before);
  return out;
}

int64_t input_length(const SequenceDataset& data, const std::vector<int64_t>& rows,
                     const LengthPolicy& policy) {
  switch (policy.kind) {
    case LengthPolicy::Kind::CenterFit:
      DNAGRAD_CHECK(policy.length > 0, "length policy: a centre-fit length must be positive");
      return policy.length;
    case LengthPolicy::Kind::PadWithMask:
      return 0;
    case LengthPolicy::Kind::Exact:
      break;
  }
  if (rows.empty()) return 0;
  const int64_t length = data.lengths[static_cast<size_t>(rows[0])];
  for (int64_t row : rows)
    DNAGRAD_CHECK(data.lengths[static_cast<size_t>(row)] == length, data.label,
                  ": sequences of different length: '", data.names[static_cast<size_t>(row)],
                  "' has ", data.lengths[static_cast<size_t>(row)], " bases, '",
                  data.names[static_cast<size_t>(rows[0])], "' has ", length,
                  "; choose a length policy (--length N to centre-crop/pad, or --pad-with-mask)");
  return length;
}

DataLoader::DataLoader(const SequenceDataset& data, std::vector<int64_t> rows,
                       LoaderOptions options)
    : data_(data), rows_(std::move(rows)), options_(options) {
  DNAGRAD_CHECK(options_.batch_size > 0, "DataLoader: batch size must be positive, got ",
                options_.batch_size);
  for (int64_t row : rows_)
    DNAGRAD_CHECK(row >= 0 && row < data_.size(), "DataLoader: row ", row, " is outside ",
                  data_.label, " (", data_.size(), " rows)");
  length_ = genomics::input_length(data_, rows_, options_.length);
  if (data_.targets_per_position)
    DNAGRAD_CHECK(length_ == data_.num_targets(), data_.label, ": ", data_.num_targets(),
                  " per-position targets need inputs of that length, got ", length_);
}

int64_t DataLoader::num_batches() const {
  const auto n = static_cast<int64_t>(rows_.size());
  return options_.drop_last ? n / options_.batch_size
                            : (n + options_.batch_size - 1) / options_.batch_size;
}

void DataLoader::for_each_batch(int64_t epoch,
                                const std::function<void(int64_t, const Batch&)>& fn) const {
  // Epoch e draws from its own stretch of the seed's stream: nothing carries over between epochs.
  Generator gen(options_.seed);
  gen.set_offset(static_cast<uint64_t>(epoch) << 40);
  std::vector<int64_t> order = rows_;
  if (options_.shuffle) {
    const std::vector<int64_t> perm = gen.permutation(static_cast<int64_t>(rows_.size()));
    for (size_t i = 0; i < perm.size(); ++i) order[i] = rows_[static_cast<size_t>(perm[i])];
  }
  const auto n = static_cast<int64_t>(order.size());
  for (int64_t b = 0; b < num_batches(); ++b) {
    const int64_t begin = b * options_.batch_size;
    const int64_t end = std::min(n, begin + options_.batch_size);
    std::vector<int64_t> rows(order.begin() + begin, order.begin() + end);
    std::vector<bool> reversed(rows.size(), false);
    if (options_.rc_augment)
      for (size_t i = 0; i < rows.size(); ++i) reversed[i] = gen.uniform() < 0.5;
    fn(b, build(rows, reversed));
  }
}

Batch DataLoader::make_batch(const std::vector<int64_t>& rows, bool reverse_all) const {
  return build(rows, std::vector<bool>(rows.size(), reverse_all));
}

Batch DataLoader::build(const std::vector<int64_t>& rows, const std::vector<bool>& reversed) const {
  const auto batch = static_cast<int64_t>(rows.size());
  std::vector<std::string> seqs(rows.size());
  int64_t length = length_;
  for (size_t i = 0; i < rows.size(); ++i) {
    seqs[i] = data_.sequence(rows[i]);
    if (options_.length.kind == LengthPolicy::Kind::CenterFit)
      seqs[i] = center_fit(seqs[i], length_);
    else if (options_.length.kind == LengthPolicy::Kind::PadWithMask)
      length = std::max(length, static_cast<int64_t>(seqs[i].size()));
    DNAGRAD_CHECK(options_.length.kind == LengthPolicy::Kind::PadWithMask ||
                      static_cast<int64_t>(seqs[i].size()) == length,
                  data_.label, ": sequence '", data_.names[static_cast<size_t>(rows[i])],
                  "' was read with ", seqs[i].size(), " bases, expected ", length);
    if (reversed[i]) seqs[i] = reverse_complement(seqs[i]);
  }
  Batch out;
  out.rows = rows;
  out.reversed = reversed;
  out.x = Array::zeros({batch, 4, length});
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto len = static_cast<int64_t>(seqs[i].size());
    float* x = out.x.data<float>() + static_cast<int64_t>(i) * 4 * length;
    try {
      if (len == length) {
        one_hot_into(seqs[i], x);
      } else {  // padded: encode into [4, len], then spread the rows into [4, length]
        std::vector<float> tmp(static_cast<size_t>(4 * len));
        one_hot_into(seqs[i], tmp.data());
        for (int64_t c = 0; c < 4; ++c)
          std::memcpy(x + c * length, tmp.data() + c * len, static_cast<size_t>(len) * 4);
      }
    } catch (const Error& e) {
      fail(data_.label, ": sequence '", data_.names[static_cast<size_t>(rows[i])], "': ", e.what());
    }
    if (options_.length.kind == LengthPolicy::Kind::PadWithMask) out.lengths.push_back(len);
  }
  const int64_t t = data_.num_targets();
  out.y = Array::empty({batch, t});
  for (size_t i = 0; i < rows.size(); ++i) {
    const float* src = data_.targets_of(rows[i]);
    float* dst = out.y.data<float>() + static_cast<int64_t>(i) * t;
    if (reversed[i] && data_.targets_per_position)
      std::reverse_copy(src, src + t, dst);
    else
      std::copy(src, src + t, dst);
  }
  return out;
}

Task infer_task(const SequenceDataset& data) {
  if (!data.class_names.empty()) return Task::Multiclass;
  for (float v : data.targets)
    if (v != 0 && v != 1) return Task::Regression;
  return data.targets.empty() ? Task::Regression : Task::Binary;
}

void use_class_names(SequenceDataset& data, const std::vector<std::string>& names,
                     const std::string& source) {
  if (data.class_names.empty()) return;
  DNAGRAD_CHECK(!names.empty(), data.label, ": the labels are text (classes such as '",
                data.class_names.front(), "'), but ", source, " was trained on numeric labels");
  std::vector<float> index_of;  // data's class index -> the checkpoint's
  for (const std::string& c : data.class_names) {
    const auto it = std::find(names.begin(), names.end(), c);
    DNAGRAD_CHECK(it != names.end(), data.label, ": class '", c, "' is not one of the classes of ",
                  source, " (", names.size(), " classes, the first '", names.front(), "')");
    index_of.push_back(static_cast<float>(it - names.begin()));
  }
  for (float& v : data.targets) v = index_of[static_cast<size_t>(v)];
  data.class_names = names;
}

int64_t task_outputs(Task task, const SequenceDataset& data) {
  DNAGRAD_CHECK(data.num_targets() > 0, data.label, ": the data has no label columns");
  const int64_t t = data.num_targets();
  DNAGRAD_CHECK(task != Task::Regression || data.class_names.empty(), data.label,
                ": the labels are text (classes such as '",
                data.class_names.empty() ? "" : data.class_names.front(),
                "'); a regression task needs numbers (--task multiclass or binary)");
  if (task == Task::Regression) return t;
  if (task == Task::Binary) {
    for (size_t i = 0; i < data.targets.size(); ++i)
      DNAGRAD_CHECK(data.targets[i] == 0 || data.targets[i] == 1, data.label, ": sequence '",
                    data.names[i / static_cast<size_t>(t)], "' has the label ", data.targets[i],
                    "; a binary task needs 0 or 1");
    return t;
  }
  DNAGRAD_CHECK(t == 1, data.label, ": a multiclass task needs one label column, the data has ", t);
  float largest = 0;
  for (size_t i = 0; i < data.targets.size(); ++i) {
    const float v = data.targets[i];
    DNAGRAD_CHECK(v >= 0 && v == std::floor(v) && v < 1e6, data.label, ": sequence '",
                  data.names[i], "' has the label ", v,
                  "; a multiclass task needs class indices 0, 1, 2, ...");
    largest = std::max(largest, v);
  }
  DNAGRAD_CHECK(largest >= 1, data.label, ": a multiclass task needs at least two classes");
  return static_cast<int64_t>(largest) + 1;
}

}  // namespace dnagrad::genomics
