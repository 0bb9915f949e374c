#include "kernels/dispatch.h"

namespace dnagrad::kernels {

void require_same_device_dtype(const char* op, const Array& a,
                               std::initializer_list<const Array*> arrays) {
  for (const Array* b : arrays) {
    if (!b || !b->defined()) continue;
    DNAGRAD_CHECK(b->device() == a.device(), op, ": tensors on different devices: ", a.desc(),
                  " and ", b->desc());
    DNAGRAD_CHECK(b->dtype() == a.dtype(), op, ": tensors of different types: ", a.desc(), " and ",
                  b->desc());
  }
}

}  // namespace dnagrad::kernels
