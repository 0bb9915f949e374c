#include "apps/common.h"

#include <thread>

#include "core/cuda_runtime.h"
#include "core/threads.h"

namespace dnagrad::app {

void add_common_options(CLI::App* command, CommonOptions& options) {
  command->add_option("--seed", options.seed, "random seed (init, shuffling, dropout)")
      ->capture_default_str();
  command->add_option("--threads", options.threads, "CPU threads (0 = every core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  command->add_option("--device", options.device, "cpu, cuda or cuda:N")->capture_default_str();
  command->add_flag("--quiet", options.quiet, "print only errors and final results");
}

Device apply_common_options(const CommonOptions& options) {
  const int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  set_num_threads(threads > 0 ? threads : 1);
  const Device device = parse_device(options.device);
  if (device.is_cuda()) require_cuda_device(device.index, "--device");
  return device;
}

}  // namespace dnagrad::app
