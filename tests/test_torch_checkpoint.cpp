// A checkpoint made by real PyTorch (tests/fixtures/make_promoter_torch_fixture.py: seed 002's
// PromoterExpressionModel as the document writes it, briefly trained, its state_dict saved with
// safetensors.torch.save_file) loads strictly into genomics::PromoterExpressionModel and reproduces
// PyTorch's eval-mode predictions; the fixture's FASTA one-hot encodes to the very input PyTorch
// saw; and a checkpoint with one tensor of the wrong shape is refused with a message naming it.
// The fixture's `ism` tensor (PyTorch's in-silico mutagenesis) is described in
// tests/fixtures/README.
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "genomics/models/promoter.h"
#include "nn/checkpoint.h"
#include "test_util.h"
#ifdef DNAGRAD_WITH_GENOMICS_IO
#include "genomics/io/fasta.h"
#include "genomics/sequence.h"
#endif

using namespace dnagrad;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = std::string(DNAGRAD_SOURCE_DIR) + "/tests/fixtures/";
const std::string kCheckpoint = kFixtures + "promoter_torch.safetensors";

// The tensor called `name` in promoter_torch_expected.safetensors.
Array expected(const std::string& name) {
  static const nn::SafetensorsContents file =
      nn::read_safetensors(kFixtures + "promoter_torch_expected.safetensors");
  for (const auto& [key, array] : file.tensors)
    if (key == name) return array;
  FAIL("no tensor ", name, " in promoter_torch_expected.safetensors");
  return Array();
}

// max |a - b| over all elements (closeness with rtol 0 and atol 1 is exactly that).
double max_abs_diff(const Array& a, const Array& b) { return testing::closeness(a, b, 0, 1); }

// Sets every parameter and buffer to NaN (float) or -1 (the int64 batch counters), so that after
// a load any value the checkpoint failed to assign shows.
void poison(nn::Module& model) {
  for (auto& [name, array] : model.state_dict()) {
    Array dst = array;  // shares memory with the member
    dst.copy_from(array.dtype() == DType::I64 ? Array::scalar(-1, DType::I64)
                                              : testing::poisoned(array.shape(), array.dtype()));
  }
}

// Every tensor of `model` equals the same-named one of `state`, bit for bit.
void check_holds(const nn::Module& model, const nn::StateDict& state) {
  const nn::StateDict own = model.state_dict();
  REQUIRE(own.size() == state.size());
  for (const auto& [name, array] : own) {
    INFO(name);
    auto found = std::find_if(state.begin(), state.end(),
                              [&](const auto& entry) { return entry.first == name; });
    REQUIRE(found != state.end());
    CHECK(array.dtype() == found->second.dtype());
    CHECK(max_abs_diff(array, found->second) == 0);  // NaN poison makes it infinite
  }
}

}  // namespace

TEST_CASE(
    "torch checkpoint: a promoter state_dict saved by PyTorch loads strictly and gives "
    "PyTorch's predictions") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  genomics::PromoterExpressionModel model(gen);
  poison(model);
  CHECK(nn::load_checkpoint(kCheckpoint, model).empty());  // torch's save_file writes none
  check_holds(model, nn::read_safetensors(kCheckpoint).tensors);
  CHECK(model.state_dict()[6].second.item() == 20);  // conv_layers.1.num_batches_tracked

  // [4, 4, 2000] one-hot -> [4]. PyTorch's predictions spread over ~0.09, far above 1e-4.
  model.eval();
  const Array x = expected("x");
  REQUIRE(x.shape() == Shape{4, 4, 2000});
  const Array pred = expected("pred");
  const Array y = model(Tensor(x)).data();
  REQUIRE(y.shape() == Shape{4});
  const double diff = max_abs_diff(y, pred), diff_f64 = max_abs_diff(y, expected("pred_f64"));
  INFO("float32: max |ours - PyTorch's| = ", diff, ", vs PyTorch's float64 ", diff_f64);
  CHECK(diff <= 1e-4);
  CHECK(diff_f64 <= 1e-4);

  // In float64 both engines round so little that they must agree far more sharply.
  model.to(DType::F64);
  const double diff64 = max_abs_diff(model(Tensor(x.to(DType::F64))).data(), expected("pred_f64"));
  INFO("float64: max |ours - PyTorch's| = ", diff64);
  CHECK(diff64 <= 1e-12);
}

#ifdef DNAGRAD_WITH_GENOMICS_IO
TEST_CASE("torch checkpoint: the fixture FASTA one-hot encodes to the input PyTorch was given") {
  const std::vector<genomics::FastaRecord> records =
      genomics::read_fasta_records(kFixtures + "promoter_torch.fa");
  std::vector<std::string> seqs;
  for (const auto& record : records) seqs.push_back(record.seq);
  REQUIRE(seqs.size() == 4);
  for (size_t i = 0; i < records.size(); ++i) CHECK(records[i].name == cat("seq", i + 1));
  // seq2 holds the cases that matter: soft-masked bases and N's.
  CHECK(std::count(seqs[1].begin(), seqs[1].end(), 'N') == 5);
  CHECK(std::count_if(seqs[1].begin(), seqs[1].end(),
                      [](char c) { return c >= 'a' && c <= 'z'; }) == 15);

  const Array ours = genomics::one_hot(seqs);
  CHECK(ours.dtype() == DType::F32);
  CHECK(max_abs_diff(ours, expected("x")) == 0);
}
#endif

TEST_CASE(
    "torch checkpoint: a tensor of the wrong shape is refused, naming the tensor and both "
    "shapes, and the model keeps its weights") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const nn::StateDict good = nn::read_safetensors(kCheckpoint).tensors;

  // One tensor, picked at random, gets one more element along its last axis ([] -> [1]).
  nn::StateDict bad = good;
  auto& [name, original] = bad[gen.next_u64() % bad.size()];
  INFO("altered tensor ", name);
  Shape altered = original.shape();
  if (altered.empty())
    altered.push_back(1);
  else
    ++altered.back();
  const Shape original_shape = original.shape();
  original = Array::zeros(altered, original.dtype());

  const fs::path dir =
      fs::temp_directory_path() / cat("dnagrad_torch_ckpt_", ::getpid(), "_", seed);
  fs::create_directories(dir);
  const std::string bad_path = (dir / "bad.safetensors").string();
  nn::write_safetensors(bad_path, bad);

  genomics::PromoterExpressionModel model(gen);
  nn::load_checkpoint(kCheckpoint, model);
  std::string message;
  try {
    nn::load_checkpoint(bad_path, model);
  } catch (const Error& e) {
    message = e.what();
  }
  INFO("message: ", message);
  CHECK(message.find(bad_path) != std::string::npos);
  CHECK(message.find(name) != std::string::npos);
  CHECK(message.find(shape_str(altered)) != std::string::npos);
  CHECK(message.find(shape_str(original_shape)) != std::string::npos);

  check_holds(model, good);  // nothing was copied: the model keeps the good checkpoint
  fs::remove_all(dir);
}
