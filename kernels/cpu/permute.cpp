// PLACEHOLDER: stubs until the CPU kernels of kernels/permute.h are written.
#include "kernels/permute.h"
namespace dnagrad::kernels::cpu {
void permute(const Array& x, const std::vector<int64_t>& perm, Array& y, bool accumulate) { fail("permute: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
