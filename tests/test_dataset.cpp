// genomics/data/dataset.h and genomics/data/splits.h: centre fitting by hand, the loader's one-hot
// batches against a hand-coded encoding, reverse-complement augmentation as a flip of both axes,
// epoch orders that depend only on (seed, epoch), padding to the batch's longest sequence with the
// lengths, the error for unequal lengths, and the random and by-chromosome splits.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string_view>

#include "core/error.h"
#include "core/rng.h"
#include "genome_fixture.h"
#include "genomics/data/dataset.h"
#include "genomics/data/splits.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;

namespace {

// n random sequences over "ACGTNacgtn" with lengths in [min_len, max_len].
std::vector<std::string> random_sequences(Generator& gen, int64_t n, int64_t min_len,
                                          int64_t max_len) {
  static const char kChars[] = "ACGTNacgtn";
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t len = min_len + static_cast<int64_t>(gen.next_u64() % (max_len - min_len + 1));
    std::string s;
    for (int64_t j = 0; j < len; ++j) s += kChars[gen.next_u64() % 10];
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> row_names(int64_t n) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(cat("seq", i));
  return out;
}

// The one-hot value at (channel, position) of a sequence, worked out without one_hot(): A, C, G,
// T in either case are rows 0..3, everything else (N) is an all-zero column.
float expected_one_hot(const std::string& seq, int64_t channel, int64_t position) {
  const auto base = static_cast<char>(std::toupper(seq[static_cast<size_t>(position)]));
  const size_t row = std::string_view("ACGT").find(base);  // npos for N
  return row == static_cast<size_t>(channel) ? 1.0f : 0.0f;
}

// Element (i, c, l) of a [B, 4, L] batch and (i, t) of a [B, T] one.
float x_at(const Batch& b, int64_t i, int64_t c, int64_t l) {
  const int64_t length = b.x.shape()[2];
  return b.x.data<float>()[(i * 4 + c) * length + l];
}
float y_at(const Batch& b, int64_t i, int64_t t) {
  return b.y.data<float>()[i * b.y.shape()[1] + t];
}

std::vector<int64_t> iota_rows(int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

// All batches of one epoch, in order.
std::vector<Batch> epoch_batches(const DataLoader& loader, int64_t epoch) {
  std::vector<Batch> out;
  loader.for_each_batch(epoch, [&](int64_t b, const Batch& batch) {
    CHECK(b == static_cast<int64_t>(out.size()));
    out.push_back(batch);
  });
  return out;
}

std::vector<int64_t> rows_seen(const std::vector<Batch>& batches) {
  std::vector<int64_t> out;
  for (const Batch& b : batches) out.insert(out.end(), b.rows.begin(), b.rows.end());
  return out;
}

}  // namespace

TEST_CASE("dataset: center_fit crops and pads around the centre") {
  // Cropping removes floor((len - length) / 2) bases at the start, the rest at the end.
  CHECK(center_fit("ACGTACG", 4) == "CGTA");    // 7 -> 4: 1 before, 2 after
  CHECK(center_fit("ACGTACG", 5) == "CGTAC");   // 7 -> 5: 1 and 1
  CHECK(center_fit("AACCGGTT", 4) == "CCGG");   // 8 -> 4: 2 and 2
  CHECK(center_fit("AACCGGTT", 5) == "ACCGG");  // 8 -> 5: 1 and 2
  CHECK(center_fit("AACCGGTT", 8) == "AACCGGTT");
  CHECK(center_fit("AACCGGTT", 1) == "C");  // 7 removed: 3 before
  // Padding adds floor((length - len) / 2) N's at the start, the rest at the end.
  CHECK(center_fit("ACG", 5) == "NACGN");
  CHECK(center_fit("ACG", 6) == "NACGNN");
  CHECK(center_fit("ACG", 7) == "NNACGNN");
  CHECK(center_fit("AC", 5) == "NACNN");
  CHECK(center_fit("", 3) == "NNN");
  CHECK_THROWS_AS(center_fit("ACGT", 0), Error);
}

TEST_CASE("dataset loader: x is the one-hot of each row and y its targets, in the rows' order") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const int64_t n = 11, length = 13, n_targets = 2;
  const std::vector<std::string> seqs = random_sequences(gen, n, length, length);
  std::vector<float> targets;
  for (int64_t i = 0; i < n * n_targets; ++i) targets.push_back(static_cast<float>(gen.uniform()));
  const SequenceDataset data = in_memory_dataset("mem", row_names(n), seqs, {"t0", "t1"}, targets);
  REQUIRE(data.size() == n);
  REQUIRE(data.num_targets() == n_targets);
  CHECK(data.lengths == std::vector<int64_t>(n, length));
  CHECK(data.chroms == std::vector<std::string>(n, ""));

  // A subset of rows in a scrambled order: batches must follow it exactly.
  const std::vector<int64_t> rows = {7, 2, 9, 0, 4, 10, 5};
  const DataLoader loader(data, rows, {.batch_size = 3});
  CHECK(loader.num_batches() == 3);
  CHECK(loader.input_length() == length);
  const std::vector<Batch> batches = epoch_batches(loader, 0);
  REQUIRE(batches.size() == 3);
  CHECK(rows_seen(batches) == rows);
  for (const Batch& b : batches) {
    const auto size = static_cast<int64_t>(b.rows.size());
    REQUIRE(b.x.shape() == Shape{size, 4, length});
    REQUIRE(b.y.shape() == Shape{size, n_targets});
    CHECK(b.lengths.empty());
    CHECK(b.reversed == std::vector<bool>(b.rows.size(), false));
    for (int64_t i = 0; i < size; ++i) {
      const int64_t row = b.rows[static_cast<size_t>(i)];
      const std::string& s = seqs[static_cast<size_t>(row)];
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t l = 0; l < length; ++l) REQUIRE(x_at(b, i, c, l) == expected_one_hot(s, c, l));
      for (int64_t t = 0; t < n_targets; ++t)
        CHECK(y_at(b, i, t) == targets[static_cast<size_t>(row * n_targets + t)]);
    }
  }
  // The last batch is short: 7 rows in batches of 3.
  CHECK(batches[2].rows.size() == 1);
}

TEST_CASE("dataset loader: reverse-complement augmentation flips both axes of x") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const int64_t n = 16, length = 9;
  const std::vector<std::string> seqs = random_sequences(gen, n, length, length);
  // The same sequences twice: with one target per base (reversed with the sequence) and with
  // two per-sequence targets (kept).
  std::vector<std::string> per_position_names;
  for (int64_t t = 0; t < length; ++t) per_position_names.push_back(cat("pos_", t));
  std::vector<float> per_position(static_cast<size_t>(n * length)), per_sequence;
  for (float& v : per_position) v = static_cast<float>(gen.uniform());
  for (int64_t i = 0; i < 2 * n; ++i) per_sequence.push_back(static_cast<float>(gen.uniform()));
  SequenceDataset by_base =
      in_memory_dataset("bases", row_names(n), seqs, per_position_names, per_position);
  by_base.targets_per_position = true;
  const SequenceDataset by_seq =
      in_memory_dataset("seqs", row_names(n), seqs, {"a", "b"}, per_sequence);

  const LoaderOptions options{
      .batch_size = 5, .shuffle = true, .rc_augment = true, .seed = gen.next_u64()};
  int64_t forward = 0, reversed = 0;
  const SequenceDataset* datasets[] = {&by_base, &by_seq};
  for (const SequenceDataset* data : datasets) {
    const DataLoader loader(*data, iota_rows(n), options);
    for (int64_t epoch = 0; epoch < 3; ++epoch)
      for (const Batch& b : epoch_batches(loader, epoch)) {
        const Batch plain = loader.make_batch(b.rows);  // the same rows, not reversed
        const Batch all_reversed = loader.make_batch(b.rows, true);
        CHECK(all_reversed.reversed == std::vector<bool>(b.rows.size(), true));
        for (size_t i = 0; i < b.rows.size(); ++i) {
          const auto ii = static_cast<int64_t>(i);
          const std::string& s = seqs[static_cast<size_t>(b.rows[i])];
          const std::string rc = rc_for_test(s);  // independent reverse complement
          (b.reversed[i] ? reversed : forward) += 1;
          for (int64_t c = 0; c < 4; ++c)
            for (int64_t l = 0; l < length; ++l) {
              const float fwd = x_at(plain, ii, c, l);
              REQUIRE(fwd == expected_one_hot(s, c, l));
              REQUIRE(x_at(all_reversed, ii, c, l) == expected_one_hot(rc, c, l));
              // Reversed: x[c, l] = forward x[3 - c, L - 1 - l], a flip of both axes.
              const float want = b.reversed[i] ? x_at(plain, ii, 3 - c, length - 1 - l) : fwd;
              REQUIRE(x_at(b, ii, c, l) == want);
            }
          const int64_t t_count = data->num_targets();
          const float* row_targets = data->targets_of(b.rows[i]);
          for (int64_t t = 0; t < t_count; ++t) {
            const bool flip = b.reversed[i] && data->targets_per_position;
            CHECK(y_at(b, ii, t) == row_targets[flip ? t_count - 1 - t : t]);
            CHECK(y_at(plain, ii, t) == row_targets[t]);
          }
        }
      }
  }
  // 96 coin flips: both outcomes occur (failing by chance has probability 2^-95).
  CHECK(forward > 0);
  CHECK(reversed > 0);
}

TEST_CASE("dataset loader: an epoch depends only on seed and epoch and shows every row once") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const int64_t n = 40;
  const SequenceDataset data =
      in_memory_dataset("mem", row_names(n), random_sequences(gen, n, 6, 6));
  // Every other row, so the loader must draw from its own rows and not from 0..n-1.
  std::vector<int64_t> rows;
  for (int64_t i = 1; i < n; i += 2) rows.push_back(i);
  const uint64_t loader_seed = gen.next_u64();
  const LoaderOptions options{
      .batch_size = 6, .shuffle = true, .rc_augment = true, .seed = loader_seed};
  const DataLoader a(data, rows, options), b(data, rows, options);
  LoaderOptions other_seed = options;
  other_seed.seed = loader_seed + 1;
  const DataLoader c(data, rows, other_seed);

  std::vector<std::vector<int64_t>> orders;
  for (int64_t epoch = 0; epoch < 4; ++epoch) {
    // Epochs visited out of order and twice: nothing carries over from one call to the next.
    const std::vector<Batch> first = epoch_batches(a, epoch);
    const std::vector<Batch> again = epoch_batches(b, epoch);
    REQUIRE(first.size() == 4);  // 20 rows in batches of 6
    REQUIRE(again.size() == first.size());
    for (size_t k = 0; k < first.size(); ++k) {
      CHECK(first[k].rows == again[k].rows);
      CHECK(first[k].reversed == again[k].reversed);
      CHECK(first[k].x.to_vector() == again[k].x.to_vector());
    }
    std::vector<int64_t> seen = rows_seen(first);
    orders.push_back(seen);
    std::sort(seen.begin(), seen.end());
    CHECK(seen == rows);  // each row exactly once
  }
  CHECK(rows_seen(epoch_batches(a, 2)) == orders[2]);  // epoch 2 again, after epoch 3
  // Different epochs and different seeds shuffle differently (20! orders: equal by chance
  // with negligible probability).
  for (size_t e = 1; e < orders.size(); ++e) CHECK(orders[e] != orders[0]);
  CHECK(rows_seen(epoch_batches(c, 0)) != orders[0]);
  // Without shuffling the order is the rows' own, every epoch.
  const DataLoader plain(data, rows, {.batch_size = 6});
  CHECK(rows_seen(epoch_batches(plain, 0)) == rows);
  CHECK(rows_seen(epoch_batches(plain, 5)) == rows);
}

TEST_CASE("dataset loader: drop_last leaves out the short final batch") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const SequenceDataset data =
      in_memory_dataset("mem", row_names(10), random_sequences(gen, 10, 4, 4));
  const DataLoader keep(data, iota_rows(10), {.batch_size = 4, .shuffle = true, .seed = 3});
  const DataLoader drop(data, iota_rows(10),
                        {.batch_size = 4, .shuffle = true, .drop_last = true, .seed = 3});
  CHECK(keep.num_batches() == 3);
  CHECK(drop.num_batches() == 2);
  const std::vector<Batch> kept = epoch_batches(keep, 1), dropped = epoch_batches(drop, 1);
  REQUIRE(kept.size() == 3);
  REQUIRE(dropped.size() == 2);
  CHECK(kept[2].rows.size() == 2);
  CHECK(kept[2].x.shape() == Shape{2, 4, 4});
  for (const Batch& b : dropped) CHECK(b.rows.size() == 4);
  std::vector<int64_t> seen = rows_seen(dropped);
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // 8 distinct rows
  CHECK(seen.size() == 8);
  // An exact multiple loses nothing.
  const DataLoader exact(data, {0, 1, 2, 3, 4, 5, 6, 7}, {.batch_size = 4, .drop_last = true});
  CHECK(exact.num_batches() == 2);
}

TEST_CASE("dataset loader: PadWithMask pads each batch with zero columns and gives the lengths") {
  // Lengths 3, 6, 4; the N inside row 1 is a zero column that is still a real position.
  const std::vector<std::string> seqs = {"ACG", "TTNGCA", "gata"};
  const SequenceDataset data = in_memory_dataset("mem", row_names(3), seqs, {"y"}, {1, 2, 3});
  const DataLoader loader(data, {0, 1, 2},
                          {.batch_size = 3, .length = {LengthPolicy::Kind::PadWithMask}});
  CHECK(loader.input_length() == 0);
  const std::vector<Batch> batches = epoch_batches(loader, 0);
  REQUIRE(batches.size() == 1);
  const Batch& b = batches[0];
  REQUIRE(b.x.shape() == Shape{3, 4, 6});
  CHECK(b.lengths == std::vector<int64_t>{3, 6, 4});
  for (int64_t i = 0; i < 3; ++i) {
    const std::string& s = seqs[static_cast<size_t>(i)];
    const auto len = static_cast<int64_t>(s.size());
    for (int64_t l = 0; l < 6; ++l)
      for (int64_t c = 0; c < 4; ++c)
        CHECK(x_at(b, i, c, l) == (l < len ? expected_one_hot(s, c, l) : 0.0f));
  }
  // Each batch is padded to its own longest sequence.
  const Batch short_ones = loader.make_batch({2, 0});
  CHECK(short_ones.x.shape() == Shape{2, 4, 4});
  CHECK(short_ones.lengths == std::vector<int64_t>{4, 3});
}

TEST_CASE("dataset loader: Exact with unequal lengths names both sequences and the fix") {
  const SequenceDataset data =
      in_memory_dataset("reads.fa", {"first", "second", "third"}, {"ACGT", "ACGT", "ACGTAC"});
  require_error_mentions(
      [&] {
        DataLoader(data, {0, 1, 2}, {});
      },
      {"reads.fa", "'third'", "6 bases", "'first'", "4", "--length"});
  // The rows actually used decide: the first two agree.
  CHECK(DataLoader(data, {0, 1}, {}).input_length() == 4);
  // Centre fitting makes every length agree.
  const DataLoader fitted(data, {0, 1, 2}, {.length = {LengthPolicy::Kind::CenterFit, 4}});
  CHECK(fitted.input_length() == 4);
  const Batch b = fitted.make_batch({2});
  const std::string centre = center_fit("ACGTAC", 4);  // "GTAC"
  for (int64_t c = 0; c < 4; ++c)
    for (int64_t l = 0; l < 4; ++l) CHECK(x_at(b, 0, c, l) == expected_one_hot(centre, c, l));
}

TEST_CASE("dataset: targets must be finite and the sizes must agree") {
  require_error_mentions(
      [] {
        in_memory_dataset("t.tsv", {"a", "b"}, {"AC", "GT"}, {"y"}, {1.0f, NAN});
      },
      {"t.tsv", "'b'", "nan"});
  require_error_mentions(
      [] {
        in_memory_dataset("t.tsv", {"a", "b"}, {"AC", "GT"}, {"y"}, {1.0f});
      },
      {"t.tsv", "1 target values", "2 rows"});
  CHECK_THROWS_AS(in_memory_dataset("t.tsv", {"a"}, {"AC", "GT"}), Error);
}

TEST_CASE("splits: random_split gives the course's sizes as a disjoint cover") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  struct Case {
    int64_t n;
    double test, val;
    size_t train_size, val_size, test_size;
  };
  // 23,139 TF-binding windows: 18,511 then 14,808; 65,536 8-mers: the tutorial's split.
  for (const Case& c :
       {Case{23139, 0.2, 0.2, 14808, 3703, 4628}, Case{65536, 0.2, 0.2, 41942, 10486, 13108},
        Case{10, 0.1, 0.1111, 8, 1, 1}, Case{7, 0, 0, 7, 0, 0}}) {
    INFO("n = ", c.n);
    Generator gen(seed);
    const SplitIndices s = random_split(c.n, c.test, c.val, gen);
    CHECK(s.train.size() == c.train_size);
    CHECK(s.val.size() == c.val_size);
    CHECK(s.test.size() == c.test_size);
    std::vector<int64_t> all = s.train;
    all.insert(all.end(), s.val.begin(), s.val.end());
    all.insert(all.end(), s.test.begin(), s.test.end());
    std::sort(all.begin(), all.end());
    CHECK(all == iota_rows(c.n));  // every row once: disjoint and covering
  }
  // The seed decides the split.
  Generator g1(seed), g2(seed), g3(seed + 1);
  const SplitIndices a = random_split(1000, 0.2, 0.2, g1), b = random_split(1000, 0.2, 0.2, g2),
                     c = random_split(1000, 0.2, 0.2, g3);
  CHECK(a.test == b.test);
  CHECK(a.train == b.train);
  CHECK(a.test != c.test);
  Generator g(seed);
  CHECK_THROWS_AS(random_split(10, 1.0, 0.1, g), Error);
  CHECK_THROWS_AS(random_split(10, 0.1, -0.5, g), Error);
}

TEST_CASE("splits: split_by_chromosome routes rows and rejects bad chromosome sets") {
  const std::vector<std::string> chroms = {"chr1", "chr2", "chr1", "chr3", "chr2", "chrX"};
  const SplitIndices s = split_by_chromosome(chroms, {"chr2"}, {"chr3", "chrX"});
  CHECK(s.train == std::vector<int64_t>{0, 2});
  CHECK(s.val == std::vector<int64_t>{1, 4});
  CHECK(s.test == std::vector<int64_t>{3, 5});
  const SplitIndices only_test = split_by_chromosome(chroms, {}, {"chr1"});
  CHECK(only_test.train == std::vector<int64_t>{1, 3, 4, 5});
  CHECK(only_test.val.empty());
  CHECK(only_test.test == std::vector<int64_t>{0, 2});

  require_error_mentions(
      [&] {
        split_by_chromosome(chroms, {"chr2", "chr3"}, {"chr3"});
      },
      {"'chr3'", "both"});
  require_error_mentions([&] { split_by_chromosome(chroms, {"chr2"}, {"chr22"}); }, {"'chr22'"});
  require_error_mentions([&] { split_by_chromosome(chroms, {"Chr1"}, {}); }, {"'Chr1'"});
}
