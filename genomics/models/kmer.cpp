#include "genomics/models/kmer.h"

#include "autograd/ops.h"

namespace dnagrad::genomics {

KmerLinear::KmerLinear(int64_t seq_len, Generator& gen)
    : lin(std::make_shared<nn::Linear>(4 * seq_len, 1, gen)) {
  register_module("lin", lin);
}

Tensor KmerLinear::forward(const Tensor& x) { return lin->forward(flatten(x, 1)); }

KmerCNN::KmerCNN(int64_t seq_len, Generator& gen, int64_t filters, int64_t kernel_size)
    : conv_net(std::make_shared<nn::Sequential>()),
      conv(std::make_shared<nn::Conv1d>(4, filters, kernel_size, gen)) {
  conv_net->push_back(conv);
  conv_net->push_back(std::make_shared<nn::ReLU>());
  conv_net->push_back(std::make_shared<nn::Flatten>());
  conv_net->push_back(std::make_shared<nn::Linear>(filters * (seq_len - kernel_size + 1), 1, gen));
  register_module("conv_net", conv_net);
}

Tensor KmerCNN::forward(const Tensor& x) { return conv_net->forward(x); }

}  // namespace dnagrad::genomics
