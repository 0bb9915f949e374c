// Incremental ISM, after fastISM (Nair et al. 2022): a point mutation changes only a window of
// each convolutional layer's output, so only that window is recomputed.
//
// The model is read as a chain of layers (nn::Module::forward_is_chain_of_children, nested
// Sequentials flattened). Its first layers are "windowed": output position t depends on input
// positions t*stride - padding + k*dilation, k < kernel (Conv1d, MaxPool1d, AvgPool1d), or on
// position t alone (BatchNorm1d in eval mode — a per-channel affine map —, ReLU, Dropout in eval
// mode — the identity). The chain's first other layer "mixes" all positions (Flatten, Linear,
// AdaptiveAvgPool1d, anything unknown).
//
// A mutation at p changes input position p only. Through a windowed layer, changed input
// positions [first, last] reach the outputs
//   [ceil((first + padding - (kernel-1)*dilation) / stride), floor((last + padding) / stride)]
// (clipped to [0, L_out)). For the promoter model (L = 2000) that is 15 positions after conv 1,
// 5 after pool 1 (its 4-wide windows), 9 after conv 2, 3 after pool 2 and 5 after conv 3.
//
// Per sequence, set_reference() keeps each windowed layer's reference output, channels last
// [L, C]. Per batch of B mutants, predict() carries one window per level: [B, W, C], the
// activations at positions lo[b] .. lo[b] + W - 1 (W fixed per level, the widest reach; lo[b]
// such that the window holds b's changed positions and stays inside [0, L)). A pool's window is
// computed from the previous level's rows: the mutant's window where it has one, the reference
// elsewhere, and the padding beyond the ends. A convolution is linear, so it only needs the
// change of its input, D = x_mut - x_ref, which is zero outside the input window:
//   y_mut[t] = y_ref[t] + sum_k weight[:, :, k] · D[t*stride - padding + k*dilation]
// For the whole batch that is one GEMM, Z = D [B*W_in, C_in] · taps^T [C_in, K*C_out] (taps row
// k*C_out + o = weight[o, :, k]), whose rows are then added to the outputs they reach. For the
// promoter model that is 1.8 MFLOP per mutant, mostly conv 2's 5 changed inputs x 5 taps x 256 x
// 128 multiply-adds: half of recomputing its 9 changed outputs from their receptive fields.
//
// At the mixing layer the windows go back into the whole activation: AdaptiveAvgPool1d(1)'s mean
// is updated by the window's change (mean + (sum of new - sum of old) / L); any other mixing
// layer gets a copy of the reference activation with the window patched in. The rest of the
// chain then runs as usual: once on all of a sequence's mutants after AdaptiveAvgPool1d(1)
// ([M, C, 1] is small), in batches of batch_size otherwise.
//
// Threads: the windowed layers run on pieces of at most batch_size mutants, handed out to the
// threads from one parallel region, each piece with single-threaded GEMMs. A piece's numbers do
// not depend on which thread computes it.
//
// What the kernels compute and what is computed here. The pointwise layers run the kernels
// themselves on the windows: BatchNorm1d's eval forward (kernels/batchnorm.h) on the window rows
// viewed as [B*W, C] (a [N, C] input), ReLU's (kernels/elementwise.h) on any shape. The
// convolutions and pools do not, because the kernels take whole rows [N, C, L] while a window is
// channels last [B, W, C] and reads the reference's rows beside it (RowSource), and because a
// convolution here adds the change its few changed inputs make (one GEMM for the whole batch)
// instead of recomputing its outputs. The pools' arithmetic (the first maximum wins, a NaN beats
// a number, padding never wins; averages summed in double over the real elements and divided by
// K or by their count) therefore follows kernels/cpu/pooling.cpp by hand, and a test pins the two
// together: "ism: windowed pools and BatchNorm and ReLU equal the kernels bit for bit"
// (tests/test_ism.cpp) runs a chain of every kind of windowed layer except convolutions, with
// every pooling option, and requires incremental ISM to equal brute force exactly.
//
// Files: ism_chain.cpp splits the model into windowed layers and the mixing layer; ism_windows.h
// holds what the two share (WindowedLayer, Split); this file keeps each level's reference
// activation, computes the mutants' windows level by level and runs the rest of the chain.
#include <omp.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <vector>

#include "autograd/ops.h"
#include "genomics/interpret/ism_predictors.h"
#include "genomics/interpret/ism_windows.h"
#include "kernels/batchnorm.h"
#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "nn/layers.h"

namespace dnagrad::genomics::ism_detail {

namespace {

// One level's reference activation, channels last.
struct Level {
  Array rows;  // [L, C]: rows[t] = the activation at position t
  int64_t len = 0, channels = 0;
  int64_t width = 0;  // W, the window width at this level
};

// The recomputed part of one level for each mutant b of a batch: values[b, w] is the activation
// at position lo[b] + w (channels last); elsewhere the mutant's activation is the reference's.
// [first[b], last[b]] are the positions the mutation may have changed (empty: first > last).
struct Windows {
  Array values;  // [B, W, C]
  std::vector<int64_t> lo, first, last;
};

// Where output (b, w) of a layer reads its input rows: from the mutant's window of the input
// level, else the reference, null in the padding.
template <class T>
struct RowSource {
  const Level& level;
  const Windows& in;
  const T* window = in.values.template data<T>();
  const T* reference = level.rows.template data<T>();
  int64_t width = in.values.size(1);

  const T* operator()(int64_t b, int64_t q) const {
    const int64_t w = q - in.lo[b];
    if (w >= 0 && w < width) return window + (b * width + w) * level.channels;
    if (q >= 0 && q < level.len) return reference + q * level.channels;
    return nullptr;
  }
};

// Same comparison as the max-pool kernel: strictly greater, or a NaN replacing a number.
template <class T>
bool max_takes(T v, T best) {
  return (best == best) & !(v <= best);
}

template <class T>
Array channels_last(const Array& x) {  // [1, C, L] -> [L, C]
  const int64_t channels = x.size(1), len = x.size(2);
  Array rows = Array::empty({len, channels}, x.dtype());
  const T* in = x.data<T>();
  T* out = rows.data<T>();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t t = 0; t < len; ++t) out[t * channels + c] = in[c * len + t];
  return rows;
}

template <class T>
class IncrementalPredictor final : public MutantPredictor {
 public:
  IncrementalPredictor(Split split, int64_t output_index, int64_t batch_size)
      : split_(std::move(split)), output_index_(output_index), batch_size_(batch_size) {}

  double set_reference(const Array& x) override {
    const std::vector<WindowedLayer>& layers = split_.layers;
    levels_.assign(layers.size() + 1, Level{});
    Tensor t(x);
    for (size_t i = 0; i <= layers.size(); ++i) {
      if (i > 0) t = split_.chain[i - 1].module->forward(t);  // [1, C, L]
      Level& level = levels_[i];
      level.rows = channels_last<T>(t.data());
      level.len = t.size(2);
      level.channels = t.size(1);
      level.width =
          i == 0 ? 1 : std::min(layers[i - 1].widest_reach(levels_[i - 1].width), level.len);
    }
    mixing_input_ = t.data();
    size_t next = layers.size();
    if (split_.mean_update) pooled_ = (t = split_.chain[next++].module->forward(t)).data();
    for (; next < split_.chain.size(); ++next) t = split_.chain[next].module->forward(t);
    double prediction = 0;
    read_predictions(t, 1, output_index_, &prediction);
    return prediction;
  }

  // After AdaptiveAvgPool1d(1) the rest of the chain sees [M, C, 1]: it runs once on all M
  // mutants. Any other mixing layer needs the whole activation [B, C, L]: batches of batch_size.
  void predict(std::span<const Mutant> mutants, double* predictions) override {
    const int64_t count = static_cast<int64_t>(mutants.size());
    const int64_t group = split_.mean_update ? count : batch_size_;
    for (int64_t first = 0; first < count; first += group) {
      const int64_t size = std::min(group, count - first);
      Tensor t(mixing_layer_input(mutants.subspan(first, size)));
      for (size_t next = split_.layers.size() + split_.mean_update; next < split_.chain.size();
           ++next)
        t = split_.chain[next].module->forward(t);
      read_predictions(t, size, output_index_, predictions + first);
    }
  }

 private:
  // The windowed layers on pieces of mutants over the threads (one parallel region rather than
  // many synchronisations inside every GEMM). Returns what the rest of the chain starts from: the
  // updated means [M, C, 1] (mean_update) or the patched activations [M, C, L].
  Array mixing_layer_input(std::span<const Mutant> mutants) const {
    const int64_t count = static_cast<int64_t>(mutants.size());
    const Level& last = levels_.back();
    Array mixed =
        Array::empty({count, last.channels, split_.mean_update ? 1 : last.len}, dtype_of<T>());
    const int64_t piece = std::min(batch_size_, ceil_div(count, omp_get_max_threads()));
    const int64_t pieces = ceil_div(count, piece);
    std::exception_ptr error;
#pragma omp parallel for schedule(dynamic) if (pieces > 1)
    for (int64_t p = 0; p < pieces; ++p) {
      const int64_t first = p * piece;
      try {
        const Windows windows =
            windowed_layers(mutants.subspan(first, std::min(piece, count - first)));
        if (split_.mean_update)
          write_updated_mean(windows, mixed, first);
        else
          write_patched(windows, mixed, first);
      } catch (...) {  // an exception must not leave the parallel region
#pragma omp critical
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    return mixed;
  }

  // The last level's windows of the mutants.
  Windows windowed_layers(std::span<const Mutant> mutants) const {
    Windows windows = input_windows(mutants);
    for (size_t i = 0; i < split_.layers.size(); ++i) {
      const WindowedLayer& layer = split_.layers[i];
      if (layer.pointwise()) {
        apply_pointwise(layer, windows.values);
        continue;
      }
      Windows out = reach(layer, windows, levels_[i + 1]);
      if (layer.kind == WindowedLayer::Kind::Conv)
        convolve(layer, levels_[i], windows, out, levels_[i + 1]);
      else
        pool(layer, levels_[i], windows, out, levels_[i + 1]);
      windows = std::move(out);
    }
    return windows;
  }

  // Level 0: the mutated column itself, e_base at the mutant's position.
  Windows input_windows(std::span<const Mutant> mutants) const {
    const int64_t batch = static_cast<int64_t>(mutants.size());
    Windows w;
    w.values = Array::zeros({batch, 1, 4}, dtype_of<T>());
    for (int64_t b = 0; b < batch; ++b) {
      w.values.data<T>()[b * 4 + mutants[b].base] = T(1);
      w.lo.push_back(mutants[b].position);
      w.first.push_back(mutants[b].position);
      w.last.push_back(mutants[b].position);
    }
    return w;
  }

  // The output positions each mutant's changed inputs reach, and the output windows around them.
  static Windows reach(const WindowedLayer& layer, const Windows& in, const Level& out_level) {
    const int64_t batch = static_cast<int64_t>(in.lo.size());
    const int64_t width = out_level.width, len = out_level.len;
    Windows out;
    for (int64_t b = 0; b < batch; ++b) {
      int64_t first = std::max<int64_t>(0, layer.first_output(in.first[b]));
      int64_t last = std::min(len - 1, layer.last_output(in.last[b]));
      if (in.first[b] > in.last[b] || first > last) first = 0, last = -1;  // nothing changed
      DNAGRAD_CHECK(last - first + 1 <= width,
                    "in_silico_mutagenesis: internal error: ", last - first + 1,
                    " changed positions exceed the window width ", width);
      out.lo.push_back(std::min(first, len - width));
      out.first.push_back(first);
      out.last.push_back(last);
    }
    return out;
  }

  // The kernels on the window rows values [B, W, C] (replaced by the result).
  static void apply_pointwise(const WindowedLayer& layer, Array& values) {
    const Shape shape = values.shape();
    Array out = Array::empty(shape, values.dtype());
    if (layer.kind == WindowedLayer::Kind::BatchNormEval) {
      const Array rows = values.reshape({shape[0] * shape[1], shape[2]});  // [B*W, C]
      Array out_rows = out.reshape(rows.shape());
      kernels::batchnorm_forward_eval(rows, layer.weight, layer.bias, layer.running_mean,
                                      layer.running_var, layer.eps, out_rows);
    } else if (layer.kind == WindowedLayer::Kind::ReLU) {
      kernels::unary_forward(kernels::UnaryOp::ReLU, values, 0, out);
    } else {
      return;  // Identity
    }
    values = std::move(out);
  }

  // out.values [B, W_out, C_out] = the reference rows plus the change the input window makes
  // (the header comment's GEMM and scatter).
  static void convolve(const WindowedLayer& layer, const Level& in_level, const Windows& in,
                       Windows& out, const Level& out_level) {
    const int64_t batch = static_cast<int64_t>(out.lo.size());
    const int64_t w_in = in.values.size(1), w_out = out_level.width;
    const int64_t c_in = in_level.channels, c_out = out_level.channels, kernel = layer.kernel;
    Array change = Array::empty({batch * w_in, c_in}, dtype_of<T>());  // D [B*W_in, C_in]
    const T* window = in.values.data<T>();
    const T* in_ref = in_level.rows.data<T>();
    T* d = change.data<T>();
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < w_in * c_in; ++i)
        d[b * w_in * c_in + i] = window[b * w_in * c_in + i] - in_ref[in.lo[b] * c_in + i];
    Array z = Array::empty({batch * w_in, kernel * c_out}, dtype_of<T>());
    kernels::matmul(change, layer.taps, z, /*trans_a=*/false, /*trans_b=*/true);

    out.values = Array::empty({batch, w_out, c_out}, dtype_of<T>());
    const T* out_ref = out_level.rows.data<T>();
    const T* z_data = z.data<T>();
    T* y = out.values.data<T>();
    for (int64_t b = 0; b < batch; ++b) {
      T* y_b = y + b * w_out * c_out;
      std::copy_n(out_ref + out.lo[b] * c_out, w_out * c_out, y_b);
      for (int64_t i = 0; i < w_in; ++i)
        for (int64_t k = 0; k < kernel; ++k) {
          // Input position q feeds output t through tap k when t*stride - padding + k*dilation = q.
          const int64_t t_stride = in.lo[b] + i + layer.padding - k * layer.dilation;
          if (floor_div(t_stride, layer.stride) * layer.stride != t_stride) continue;
          const int64_t t = t_stride / layer.stride - out.lo[b];
          if (t < 0 || t >= w_out) continue;  // q is outside the changed inputs: D is 0
          const T* z_row = z_data + ((b * w_in + i) * kernel + k) * c_out;
          T* y_row = y_b + t * c_out;
          for (int64_t o = 0; o < c_out; ++o) y_row[o] += z_row[o];
        }
    }
  }

  // Max or average pooling as the CPU kernels compute it (kernels/cpu/pooling.cpp; see the file
  // comment for why by hand): the first maximum wins, padding never does; averages are summed in
  // double over the real elements and divided by the kernel size (count_include_pad) or by their
  // count.
  static void pool(const WindowedLayer& layer, const Level& in_level, const Windows& in,
                   Windows& out, const Level& out_level) {
    const int64_t batch = static_cast<int64_t>(out.lo.size()), width = out_level.width;
    const int64_t channels = in_level.channels;
    out.values = Array::empty({batch, width, channels}, dtype_of<T>());
    const RowSource<T> source{in_level, in};
    T* out_data = out.values.data<T>();
    const bool max = layer.kind == WindowedLayer::Kind::MaxPool;
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<double> sums(max ? 0 : channels);
      for (int64_t w = 0; w < width; ++w) {
        T* y = out_data + (b * width + w) * channels;
        std::fill(sums.begin(), sums.end(), 0.0);
        int64_t real = 0;
        for (int64_t k = 0; k < layer.kernel; ++k) {
          const T* x =
              source(b, (out.lo[b] + w) * layer.stride - layer.padding + k * layer.dilation);
          if (!x) continue;
          if (max && real == 0)
            std::copy_n(x, channels, y);
          else if (max)
            for (int64_t c = 0; c < channels; ++c) y[c] = max_takes(x[c], y[c]) ? x[c] : y[c];
          else
            for (int64_t c = 0; c < channels; ++c) sums[c] += x[c];
          ++real;
        }
        if (max && real == 0) std::fill_n(y, channels, -std::numeric_limits<T>::infinity());
        if (max) continue;
        const double divisor = static_cast<double>(layer.count_include_pad ? layer.kernel : real);
        for (int64_t c = 0; c < channels; ++c) y[c] = static_cast<T>(sums[c] / divisor);
      }
    }
  }

  // AdaptiveAvgPool1d(1) of each mutant: mean[first + b] ([B, C, 1]) = the reference mean plus
  // the window's change.
  void write_updated_mean(const Windows& windows, Array& mean, int64_t first) const {
    const Level& level = levels_.back();
    const int64_t batch = static_cast<int64_t>(windows.lo.size());
    const int64_t width = level.width, channels = level.channels;
    const T* window = windows.values.data<T>();
    const T* reference = level.rows.data<T>();
    const T* ref_mean = pooled_.data<T>();
    T* out = mean.data<T>() + first * channels;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t c = 0; c < channels; ++c) {
        double change = 0;
        for (int64_t w = 0; w < width; ++w)
          change += double(window[(b * width + w) * channels + c]) -
                    double(reference[(windows.lo[b] + w) * channels + c]);
        out[b * channels + c] =
            static_cast<T>(double(ref_mean[c]) + change / static_cast<double>(level.len));
      }
  }

  // The whole activation at the mixing layer: x[first + b] ([B, C, L]) = the reference with the
  // window in.
  void write_patched(const Windows& windows, Array& x, int64_t first) const {
    const Level& level = levels_.back();
    const int64_t batch = static_cast<int64_t>(windows.lo.size());
    const int64_t width = level.width, channels = level.channels, len = level.len;
    const T* reference = mixing_input_.data<T>();
    const T* window = windows.values.data<T>();
    for (int64_t b = 0; b < batch; ++b) {
      T* x_b = x.data<T>() + (first + b) * channels * len;
      std::copy_n(reference, channels * len, x_b);
      for (int64_t w = 0; w < width; ++w)
        for (int64_t c = 0; c < channels; ++c)
          x_b[c * len + windows.lo[b] + w] = window[(b * width + w) * channels + c];
    }
  }

  const Split split_;
  const int64_t output_index_, batch_size_;
  std::vector<Level> levels_;  // 0: the input; i + 1: the output of split_.layers[i]
  Array mixing_input_;         // [1, C, L]: the reference's input to the mixing layer
  Array pooled_;               // [1, C, 1]: the reference's AdaptiveAvgPool1d(1) (mean_update)
};

}  // namespace

std::unique_ptr<MutantPredictor> make_incremental_predictor(nn::Module& model, int64_t output_index,
                                                            int64_t batch_size, DType dtype) {
  std::unique_ptr<MutantPredictor> predictor;
  dispatch_float(dtype, "in_silico_mutagenesis", [&]<class T>() {
    Split split = split_chain<T>(model);
    if (!split.layers.empty())
      predictor =
          std::make_unique<IncrementalPredictor<T>>(std::move(split), output_index, batch_size);
  });
  return predictor;
}

}  // namespace dnagrad::genomics::ism_detail
