// Gradient attributions: how much each base of the input moves a model's prediction, from one
// backward pass per batch (in-silico mutagenesis, genomics/interpret/ism.h, answers the same
// question with one forward per mutant).
//
//   saliency       attr[n, b, p] = d prediction(x[n]) / d x[n, b, p]
//   grad-x-input   attr[n, b, p] = x[n, b, p] * d prediction(x[n]) / d x[n, b, p]
//
// for every sequence n of x [N, 4, L], base b (rows A, C, G, T) and position p of the window
// [start, end): the result is [N, 4, end - start]. Saliency is the signed gradient (not its
// absolute value). On a one-hot input grad-x-input is the gradient at the reference base and 0
// elsewhere (and 0 at an N). The gradient is taken at the whole sequence; the window only chooses
// which columns are returned.
//
// The prediction is output `output_index` of the model ([B] or [B, T] outputs), or with
// rc_average the strand-symmetric prediction pred(x) = (model(x) + model(rc(x))) / 2, where rc
// flips both axes of a one-hot [4, L]. Its gradient is the mean of the forward strand's gradient
// and the reverse complement's gradient flipped back (base 3 - b at L - 1 - p) — the same
// convention as ISM's rc_average, so the two can be compared.
//
// The model runs in eval mode (BatchNorm with its running statistics, Dropout off), batch_size
// sequences per forward and backward pass; each sequence's attribution depends on it alone. The
// model's training flag, its parameters' requires_grad flags and their .grad are left as they
// were. The result has the model's dtype (float32, or float64 after Module::to(DType::F64)).
#pragma once
#include <cstdint>
#include <vector>

#include "core/array.h"
#include "nn/module.h"

namespace dnagrad::genomics {

// DeepLiftShap: DeepLIFT/DeepSHAP contributions (deeplift_shap.h), for requests of
// sequence_scores.h; attribution() itself computes the two gradient methods.
enum class AttributionMethod { Saliency, GradientTimesInput, DeepLiftShap };

struct AttributionOptions {
  AttributionMethod method = AttributionMethod::Saliency;
  int64_t output_index = 0;     // which output of a [B, T] model
  bool rc_average = false;      // average the model over both strands
  int64_t start = 0, end = -1;  // the window [start, end) of positions; end -1 means L
  int64_t batch_size = 64;      // sequences per forward and backward pass
};

// onehot [N, 4, L] float32 or float64 (any values; usually one-hot with all-zero N columns).
// Returns attr [N, 4, end - start]. Throws naming the option at fault.
Array attribution(nn::Module& model, const Array& onehot, const AttributionOptions& options = {});

// While alive: the model in eval mode and its parameters not requiring gradients, so a backward
// (or DeepLIFT) sweep computes only the input's gradient and leaves every parameter's .grad as it
// was. Restores both flags when it goes out of scope (also when an exception passes).
class InputGradientMode {
 public:
  explicit InputGradientMode(nn::Module& model);
  ~InputGradientMode();
  InputGradientMode(const InputGradientMode&) = delete;
  InputGradientMode& operator=(const InputGradientMode&) = delete;

 private:
  nn::EvalMode eval_mode_;
  std::vector<Tensor> parameters_;
  std::vector<bool> required_;
};

// The seed of an attribution sweep: d(sum over the batch of output[i, output_index]) / d output,
// 1 in that column of every row, else 0. Sequences do not mix in eval mode, so its sweep gives
// each row its own gradient. Throws unless output is [batch] or [batch, T] with output_index < T.
Array output_seed(const Tensor& output, int64_t batch, int64_t output_index);

// The checks of attribution and deeplift_shap, errors starting with `what`: gradients are enabled
// and no BatchNorm1d normalises by the batch in eval mode. Returns the model's dtype (that of its
// first parameter; float32 without parameters).
DType check_attribution_model(const char* what, const nn::Module& model);

// The checks ISM and attribution share, their errors starting with `what`: onehot is a floating
// [N, 4, L], the window [start, end) lies inside L (end -1 means L), batch_size >= 1 and
// output_index >= 0. Returns the window's end.
int64_t check_scoring_inputs(const char* what, const Array& onehot, int64_t start, int64_t end,
                             int64_t batch_size, int64_t output_index);

// Columns [start, end) of x [N, 4, L] (any float dtype): [N, 4, end - start].
Array slice_positions(const Array& x, int64_t start, int64_t end);

// What a logo of "the sequence's own bases" draws: each position's score at its reference base,
// [N, 4, W], zero at the other bases and in all-zero (N) columns of onehot [N, 4, W].
//   Attribution  the score itself: scores[n, ref, j]
//   Ism          minus the mean effect of the 3 substitutions, -(1/3) sum_b ism[n, b, j] (ism is 0
//                at the reference): how much the prediction owes to keeping the reference base.
enum class ScoreKind { Attribution, Ism };
Array reference_base_scores(const Array& scores, const Array& onehot, ScoreKind kind);

}  // namespace dnagrad::genomics
