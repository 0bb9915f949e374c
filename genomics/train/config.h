// The settings of a training run (`dnagrad train --config FILE.json` and its flags), read from and
// written to JSON, and the optimizer they describe. The defaults are seed 002's recipe; the
// training loop that uses them is trainer.h.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/tensor.h"
#include "nn/optim.h"

namespace dnagrad::genomics {

struct TrainConfig {
  std::string model = "promoter";
  std::string task = "regression";  // regression | binary | multiclass
  int64_t epochs = 100;
  int64_t batch_size = 64;
  int64_t eval_batch_size = 256;
  std::string optimizer = "adam";  // adam | adamw | sgd
  double lr = 1e-3;
  double weight_decay = 1e-4;
  double momentum = 0;           // sgd only
  double clip_grad_norm = 1.0;   // 0: no clipping
  int64_t plateau_patience = 5;  // ReduceLROnPlateau on the validation loss; -1: off
  double plateau_factor = 0.5;
  int64_t early_stopping = 10;  // stop after this many epochs without a lower val loss; 0: off
  bool rc_augment = true;       // training batches only
  bool rc_average = false;      // validation/test predictions averaged over both strands
  bool keep_epoch_checkpoints = false;
  uint64_t seed = 17;
};

// A config from JSON with the field names above; fields not given keep their defaults. Unknown
// fields and wrong types are errors naming `label` and the field.
TrainConfig parse_train_config(std::string_view json, const std::string& label,
                               TrainConfig defaults = {});
// The config as JSON, every field: indented by `indent` spaces per level, or on one line (-1).
std::string train_config_json(const TrainConfig& config, int indent = 2);

// The fields whose values differ, as "lr 0.001 → 0.01" (a's value, then b's), in field order.
std::vector<std::string> config_differences(const TrainConfig& a, const TrainConfig& b);

// Throws naming the first setting out of range (an unknown task or optimizer, a batch size
// below 1, ...).
void check_train_config(const TrainConfig& config);

// The config's optimizer (adam, adamw or sgd, with its lr, weight decay and momentum) over
// `params`.
std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& config,
                                              const std::vector<Tensor>& params);

}  // namespace dnagrad::genomics
