// deeplift_shap(): stacked batches [inputs; references] through the engine's DeepLIFT mode, then
// the multipliers turned into raw, hypothetical and projected contributions (the header has the
// formulas) and the convergence delta of every sequence.
#include "genomics/interpret/deeplift_shap.h"

#include <algorithm>
#include <cstring>

#include "autograd/deeplift.h"
#include "core/error.h"
#include "genomics/interpret/attribution.h"
#include "nn/layers.h"

namespace dnagrad::genomics {

namespace {

// Which sequences a pass takes: [first, first + count), each with its `refs` references.
struct PassInput {
  int64_t first = 0, count = 0, refs = 0, len = 0;
  bool shared = false;  // references [K, 4, L] rather than [N, K, 4, L]
};

// The stacked batch [2M, 4, L] of a pass, M = count · K: rows i·K + k hold sequence first + i,
// rows M + i·K + k its reference k.
template <class T>
Array stacked_batch(const Array& x, const Array& refs, const PassInput& p) {
  const int64_t m = p.count * p.refs, column = 4 * p.len;
  Array stacked = Array::empty({2 * m, 4, p.len}, x.dtype());
  T* out = stacked.data<T>();
  for (int64_t i = 0; i < p.count; ++i)
    for (int64_t k = 0; k < p.refs; ++k) {
      const int64_t row = i * p.refs + k;
      const int64_t ref = p.shared ? k : (p.first + i) * p.refs + k;
      std::copy_n(x.data<T>() + (p.first + i) * column, column, out + row * column);
      std::copy_n(refs.data<T>() + ref * column, column, out + (m + row) * column);
    }
  return stacked;
}

// One pass: the DeepLIFT sweep, then each sequence's contributions averaged over its references
// (assigned into rows [first, first + count) of the result).
template <class T>
void run_pass(nn::Module& model, const Array& x, const Array& refs, const PassInput& p,
              int64_t output_index, DeepLiftShapResult& out) {
  const int64_t m = p.count * p.refs, column = 4 * p.len;
  Tensor input(stacked_batch<T>(x, refs, p), /*requires_grad=*/true);
  const Tensor output = model(input);
  deeplift_backward(output, output_seed(output, 2 * m, output_index));
  const Array f = output.data().to(DType::F64);  // [2M] or [2M, T]
  const int64_t outputs = f.numel() / (2 * m);
  const T* mult = input.grad().data<T>();  // [2M, 4, L]; the input half's rows are read
  const T* stacked = input.data().data<T>();
  const double inverse_k = 1.0 / static_cast<double>(p.refs);
  for (int64_t i = 0; i < p.count; ++i) {
    const int64_t n = p.first + i;
    T* raw = out.raw.data<T>() + n * column;
    T* hyp = out.hypothetical.data<T>() + n * column;
    T* proj = out.projected.data<T>() + n * column;
    std::fill_n(raw, column, T(0));
    std::fill_n(hyp, column, T(0));
    double raw_sum = 0, reference_mean = 0;
    for (int64_t k = 0; k < p.refs; ++k) {
      const int64_t row = i * p.refs + k;
      const T* mk = mult + row * column;           // m_k [4, L]
      const T* xk = stacked + row * column;        // x [4, L]
      const T* rk = stacked + (m + row) * column;  // r_k [4, L]
      for (int64_t pos = 0; pos < p.len; ++pos) {
        double reference_dot = 0;  // Σ_c r_k[c, pos] · m_k[c, pos]
        for (int64_t b = 0; b < 4; ++b)
          reference_dot += double(rk[b * p.len + pos]) * mk[b * p.len + pos];
        for (int64_t b = 0; b < 4; ++b) {
          const int64_t e = b * p.len + pos;
          const double contribution = (double(xk[e]) - rk[e]) * mk[e];
          raw[e] += static_cast<T>(contribution * inverse_k);
          hyp[e] += static_cast<T>((mk[e] - reference_dot) * inverse_k);
          raw_sum += contribution * inverse_k;
        }
      }
      reference_mean += f.data<double>()[(m + row) * outputs + output_index] * inverse_k;
    }
    const T* xn = x.data<T>() + n * column;
    for (int64_t e = 0; e < column; ++e) proj[e] = xn[e] * hyp[e] + T(0);  // + 0: no "-0"
    const double f_x = f.data<double>()[i * p.refs * outputs + output_index];
    out.output[static_cast<size_t>(n)] = f_x;
    out.reference_mean[static_cast<size_t>(n)] = reference_mean;
    out.delta[static_cast<size_t>(n)] = raw_sum - (f_x - reference_mean);
  }
}

}  // namespace

DeepLiftShapResult deeplift_shap(nn::Module& model, const Array& onehot, const Array& references,
                                 const DeepLiftShapOptions& options) {
  check_scoring_inputs("deeplift_shap", onehot, 0, -1, 1, options.output_index);
  const int64_t n = onehot.size(0), len = onehot.size(2);
  const bool shared = references.defined() && references.dim() == 3;
  DNAGRAD_CHECK(references.defined() &&
                    ((shared && references.size(1) == 4 && references.size(2) == len) ||
                     (references.dim() == 4 && references.size(0) == n && references.size(2) == 4 &&
                      references.size(3) == len)) &&
                    references.size(shared ? 0 : 1) >= 1,
                "deeplift_shap: expected references [K, 4, ", len, "] or [", n, ", K, 4, ", len,
                "] for sequences ", onehot.desc(), ", got ",
                references.defined() ? references.desc() : "an undefined array");
  DNAGRAD_CHECK(options.batch_rows >= 2, "deeplift_shap: batch_rows must be >= 2, got ",
                options.batch_rows);
  const DType dtype = check_attribution_model("deeplift_shap", model);
  const std::vector<Tensor> params = model.parameters();
  for (const Tensor& t : params)
    DNAGRAD_CHECK(t.device().is_cpu(),
                  "deeplift_shap: the DeepLIFT rules run on the CPU only; "
                  "the model is on ",
                  t.device().str());

  const Array x = onehot.to(Device::cpu()).to(dtype);
  const Array refs = references.to(Device::cpu()).to(dtype);
  PassInput pass{.refs = refs.size(shared ? 0 : 1), .len = len, .shared = shared};
  const int64_t per_pass = std::max<int64_t>(1, options.batch_rows / (2 * pass.refs));
  DeepLiftShapResult out{Array::empty(x.shape(), dtype), Array::empty(x.shape(), dtype),
                         Array::empty(x.shape(), dtype), std::vector<double>(n),
                         std::vector<double>(n),         std::vector<double>(n)};
  InputGradientMode mode(model);
  for (pass.first = 0; pass.first < n; pass.first += per_pass) {
    pass.count = std::min(per_pass, n - pass.first);
    dispatch_float(dtype, "deeplift_shap", [&]<class T>() {
      run_pass<T>(model, x, refs, pass, options.output_index, out);
    });
  }
  return out;
}

}  // namespace dnagrad::genomics
