#include "genomics/sequence.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace dnagrad::genomics {

namespace {
constexpr std::string_view kIupacOther = "NRYSWKMBDHVnryswkmbdhv";
}

int base_index(char base) {
  switch (base) {
    case 'A':
    case 'a':
      return 0;
    case 'C':
    case 'c':
      return 1;
    case 'G':
    case 'g':
      return 2;
    case 'T':
    case 't':
      return 3;
    default:
      return kIupacOther.find(base) != std::string_view::npos ? -1 : -2;
  }
}

void one_hot_into(std::string_view seq, float* out) {
  const size_t len = seq.size();
  std::memset(out, 0, 4 * len * sizeof(float));
  for (size_t t = 0; t < len; ++t) {
    const int b = base_index(seq[t]);
    if (b >= 0)
      out[b * len + t] = 1.0f;
    else if (b == -2)
      fail("one_hot: invalid base '", seq[t], "' at position ", t + 1);
  }
}

Array one_hot(const std::vector<std::string>& seqs) {
  const int64_t len = seqs.empty() ? 0 : static_cast<int64_t>(seqs[0].size());
  Array x = Array::empty({static_cast<int64_t>(seqs.size()), 4, len});
  for (size_t i = 0; i < seqs.size(); ++i) {
    DNAGRAD_CHECK(static_cast<int64_t>(seqs[i].size()) == len, "one_hot: sequence ", i + 1,
                  " has length ", seqs[i].size(), " but the first has length ", len);
    one_hot_into(seqs[i], x.data<float>() + i * 4 * len);
  }
  return x;
}

Array reverse_complement_one_hot(const Array& x) {
  DNAGRAD_CHECK(x.dim() == 3 && x.size(1) == 4,
                "reverse_complement_one_hot: expected [N, 4, L], got ", shape_str(x.shape()));
  Array rc = Array::empty(x.shape(), x.dtype());
  const int64_t rows = x.size(0) * 4, len = x.size(2);
  dispatch_float(x.dtype(), "reverse_complement_one_hot", [&]<class T>() {
    for (int64_t r = 0; r < rows; ++r) {  // row r = (sequence r / 4, base r % 4)
      const T* from = x.data<T>() + (r / 4 * 4 + 3 - r % 4) * len;
      std::reverse_copy(from, from + len, rc.data<T>() + r * len);
    }
  });
  return rc;
}

std::string reverse_complement(std::string_view seq) {
  static constexpr std::string_view from = "ACGTNRYSWKMBDHVacgtnryswkmbdhv";
  static constexpr std::string_view to = "TGCANYRSWMKVHDBtgcanyrswmkvhdb";
  std::string out(seq.rbegin(), seq.rend());
  for (char& c : out) {
    const size_t i = from.find(c);
    if (i != std::string_view::npos) c = to[i];
  }
  return out;
}

}  // namespace dnagrad::genomics
