#include "genomics/models/dilated_residual.h"

#include "autograd/ops.h"
#include "core/error.h"

namespace dnagrad::genomics {

DilatedResidualNet::DilatedResidualNet(int64_t outputs, Generator& gen, int64_t filters,
                                       int64_t dilated_layers)
    : stem(std::make_shared<nn::Conv1d>(4, filters, 21, gen, nn::Conv1dOptions{.padding = 10})),
      dilated(std::make_shared<nn::Sequential>()),
      acts(std::make_shared<nn::Sequential>()),
      stem_act(std::make_shared<nn::ReLU>()) {
  for (int64_t i = 1; i <= dilated_layers; ++i) {
    const int64_t d = int64_t{1} << i;  // 2, 4, ..., 2^D: padding d keeps the length for k 3
    dilated->push_back(std::make_shared<nn::Conv1d>(
        filters, filters, 3, gen, nn::Conv1dOptions{.padding = d, .dilation = d}));
    acts->push_back(std::make_shared<nn::ReLU>());
  }
  head = std::make_shared<nn::Linear>(filters, outputs, gen);
  // PyTorch's registration order (its __init__): stem, dilated, head, stem_act, acts.
  register_module("stem", stem);
  register_module("dilated", dilated);
  register_module("head", head);
  register_module("stem_act", stem_act);
  register_module("acts", acts);
}

Tensor DilatedResidualNet::forward(const Tensor& x) {
  Tensor h = stem_act->forward(stem->forward(x));  // [N, F, L]
  for (size_t i = 0; i < dilated->size(); ++i)
    h = add(h, (*acts)[i].forward((*dilated)[i].forward(h)));  // residual: h + relu(conv(h))
  return head->forward(mean(h, 2));  // mean over the length: [N, F] -> [N, T]
}

Tensor DilatedResidualNet::forward_padded(const Tensor& x, const std::vector<int64_t>& lengths) {
  DNAGRAD_CHECK(x.dim() == 3 && x.size(0) == static_cast<int64_t>(lengths.size()),
                "dilated-residual model: a padded batch ", x.data().desc(), " with ",
                lengths.size(), " lengths");
  const int64_t width = x.size(2);
  for (int64_t len : lengths)
    DNAGRAD_CHECK(len >= 1 && len <= width, "dilated-residual model: a sequence of ", len,
                  " bases in a batch padded to ", width);
  // keep [N, 1, L]: 1 at each row's own positions, 0 over its padding.
  const Tensor keep = position_weights(lengths, std::vector<double>(lengths.size(), 1.0), width, x);
  Tensor h = mul(stem_act->forward(stem->forward(x)), keep);
  for (size_t i = 0; i < dilated->size(); ++i)
    h = add(h, mul((*acts)[i].forward((*dilated)[i].forward(h)), keep));
  std::vector<double> inverse;  // weights 1 / length: one sum over L is each row's own mean
  for (int64_t len : lengths) inverse.push_back(1.0 / static_cast<double>(len));
  return head->forward(sum(mul(h, position_weights(lengths, inverse, width, x)), 2));
}

}  // namespace dnagrad::genomics
