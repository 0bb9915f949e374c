#include "core/device.h"

#include <cctype>

#include "core/error.h"

namespace dnagrad {

std::string Device::str() const {
  return is_cpu() ? "cpu" : "cuda:" + std::to_string(index);
}

Device parse_device(const std::string& text) {
  if (text == "cpu") return Device::cpu();
  if (text == "cuda") return Device::cuda(0);
  if (text.rfind("cuda:", 0) == 0 && text.size() > 5) {
    const std::string digits = text.substr(5);
    bool all_digits = true;
    for (char c : digits) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
    if (all_digits && digits.size() < 4) return Device::cuda(std::stoi(digits));
  }
  fail("unknown device '", text, "': expected cpu, cuda or cuda:N");
}

}  // namespace dnagrad
