#include "kernels/reference/common.h"

#include "core/error.h"

namespace dnagrad::kernels::reference {

void require_output(const char* op, const char* what, const Array& out, const Shape& shape) {
  DNAGRAD_CHECK(
      out.defined() && out.dtype() == DType::F64 && out.device().is_cpu() && out.shape() == shape,
      "reference::", op, ": ", what, " must be float64", shape_str(shape), " on cpu, got ",
      out.defined() ? out.desc() : std::string("an undefined array"));
}

}  // namespace dnagrad::kernels::reference
