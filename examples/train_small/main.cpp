// A small model trained through the installed dnagrad package: a CNN learns whether a random
// 40-bp DNA sequence contains the motif TATAAA (on either strand position, anywhere).
// Exits with status 1 if the model failed to learn, so CI can run it as a check.
#include <dnagrad.h>

#include <cstdio>
#include <memory>
#include <string>

using namespace dnagrad;

namespace {

constexpr int64_t kLength = 40;
const std::string kBases = "ACGT";

// n random sequences, half of them with TATAAA planted at a random position.
// Returns one-hot x [n, 4, kLength] and labels y [n] (1 = contains the motif).
std::pair<Array, Array> make_data(int64_t n, Generator& gen) {
  Array x = Array::zeros({n, 4, kLength});
  Array y = Array::zeros({n});
  for (int64_t i = 0; i < n; ++i) {
    std::string seq(kLength, 'A');
    for (char& c : seq) c = kBases[static_cast<size_t>(gen.uniform() * 4)];
    const bool positive = i % 2 == 0;
    if (positive) seq.replace(static_cast<size_t>(gen.uniform() * (kLength - 6)), 6, "TATAAA");
    y.data<float>()[i] = seq.find("TATAAA") != std::string::npos ? 1.0f : 0.0f;
    for (int64_t t = 0; t < kLength; ++t)
      x.data<float>()[(i * 4 + static_cast<int64_t>(kBases.find(seq[t]))) * kLength + t] = 1.0f;
  }
  return {x, y};
}

// Conv1d(4 -> 8, k=6) -> ReLU -> global max over positions (MaxPool over the whole length)
// -> Flatten -> Linear(8 -> 1): one logit per sequence.
std::shared_ptr<nn::Sequential> make_model(Generator& gen) {
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Conv1d>(4, 8, 6, gen));
  model->push_back(std::make_shared<nn::ReLU>());
  model->push_back(std::make_shared<nn::MaxPool1d>(kLength - 5));
  model->push_back(std::make_shared<nn::Flatten>());
  model->push_back(std::make_shared<nn::Linear>(8, 1, gen));
  return model;
}

}  // namespace

int main() {
  set_num_threads(2);
  Generator gen(7);
  auto [x_all, y_all] = make_data(512, gen);
  const Tensor x(x_all), y(y_all);
  auto model = make_model(gen);
  nn::Adam adam(model->parameters(), {.lr = 0.02});

  double first = 0, last = 0;
  for (int epoch = 0; epoch < 60; ++epoch) {
    adam.zero_grad();
    Tensor logits = flatten(model->forward(x), 0);
    Tensor loss = binary_cross_entropy_with_logits(logits, y);
    loss.backward();
    adam.step();
    if (epoch == 0) first = loss.item();
    last = loss.item();
  }
  NoGrad no_grad;
  const std::vector<double> logits = flatten(model->forward(x), 0).data().to_vector();
  int correct = 0;
  for (size_t i = 0; i < logits.size(); ++i)
    correct += (logits[i] > 0) == (y_all.data<float>()[i] > 0.5f);
  const double accuracy = static_cast<double>(correct) / logits.size();
  std::printf("train_small: BCE loss %.4f -> %.4f, training accuracy %.3f\n", first, last,
              accuracy);
  return last < 0.5 * first && accuracy > 0.9 ? 0 : 1;
}
