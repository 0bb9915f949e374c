// The Altschul–Erikson dinucleotide shuffle (the header explains the three steps).
#include "genomics/interpret/dinucleotide_shuffle.h"

#include <array>
#include <cstring>

#include "core/error.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace {

constexpr int kLetters = 256;  // vertices: every byte value (only the letters present matter)

// A uniform draw from [0, n).
size_t draw(Generator& gen, size_t n) { return static_cast<size_t>(gen.next_u64() % n); }

// Step 1: a last exit for every vertex with out-edges except `last`, accepted when following last
// exits from any vertex reaches `last`. exits[v] lists the successors of v in sequence order;
// returns the index (into exits[v]) of each vertex's last exit.
std::array<size_t, kLetters> last_exits(
    const std::array<std::vector<unsigned char>, kLetters>& exits, unsigned char last,
    Generator& gen) {
  std::array<size_t, kLetters> chosen{};
  for (;;) {
    for (int v = 0; v < kLetters; ++v)
      if (v != last && !exits[v].empty()) chosen[v] = draw(gen, exits[v].size());
    bool tree = true;
    for (int v = 0; v < kLetters && tree; ++v) {
      if (v == last || exits[v].empty()) continue;
      int at = v;
      for (int steps = 0; at != last && steps < kLetters; ++steps) at = exits[at][chosen[at]];
      tree = at == last;  // a cycle among last exits never reaches it
    }
    if (tree) return chosen;
  }
}

}  // namespace

std::string dinucleotide_shuffle(std::string_view seq, Generator& gen) {
  if (seq.size() < 3) return std::string(seq);
  std::array<std::vector<unsigned char>, kLetters> exits;
  for (size_t i = 0; i + 1 < seq.size(); ++i)
    exits[static_cast<unsigned char>(seq[i])].push_back(static_cast<unsigned char>(seq[i + 1]));
  const auto last = static_cast<unsigned char>(seq.back());
  const std::array<size_t, kLetters> chosen = last_exits(exits, last, gen);
  // Step 2: each vertex's exits in walking order, the last exit moved to the end.
  for (int v = 0; v < kLetters; ++v) {
    std::vector<unsigned char>& e = exits[v];
    if (e.empty()) continue;
    if (v != last) std::swap(e[chosen[v]], e.back());
    const size_t free = v != last ? e.size() - 1 : e.size();  // the last vertex has no last exit
    for (size_t i = free; i > 1; --i) std::swap(e[i - 1], e[draw(gen, i)]);  // Fisher-Yates
  }
  // Step 3: the walk.
  std::string out(1, seq.front());
  std::array<size_t, kLetters> used{};
  while (out.size() < seq.size()) {
    const auto at = static_cast<unsigned char>(out.back());
    out.push_back(static_cast<char>(exits[at][used[at]++]));
  }
  return out;
}

Array dinucleotide_shuffles(const Array& onehot, int64_t count, Generator& gen) {
  DNAGRAD_CHECK(onehot.defined() && onehot.dim() == 3 && onehot.size(1) == 4 &&
                    onehot.device().is_cpu() && onehot.dtype() != DType::I64,
                "dinucleotide_shuffles: expected one-hot sequences [N, 4, L] on the CPU, got ",
                onehot.defined() ? onehot.desc() : "an undefined array");
  DNAGRAD_CHECK(count >= 1, "dinucleotide_shuffles: count must be >= 1, got ", count);
  const int64_t n = onehot.size(0), len = onehot.size(2);
  const Array x = onehot.to(DType::F32);
  Array out = Array::zeros({n, count, 4, len});  // float32, converted at the end
  std::string seq(static_cast<size_t>(len), 'N');
  for (int64_t i = 0; i < n; ++i) {
    const float* column = x.data<float>() + i * 4 * len;
    for (int64_t p = 0; p < len; ++p) {
      seq[static_cast<size_t>(p)] = 'N';
      for (int64_t b = 0; b < 4; ++b)
        if (column[b * len + p] != 0) seq[static_cast<size_t>(p)] = "ACGT"[b];
    }
    for (int64_t k = 0; k < count; ++k)
      one_hot_into(dinucleotide_shuffle(seq, gen), out.data<float>() + (i * count + k) * 4 * len);
  }
  return out.to(onehot.dtype());
}

}  // namespace dnagrad::genomics
