// Private to kernels/cuda/simt_emulation.cpp: the fibers its emulated GPU threads run on, an
// mmap'd stack each and a hand-written context switch (simt_fibers.cpp). x86-64 only.
#pragma once
#if defined(DNAGRAD_CUDA_EMULATE)
#include <cstddef>

// switch_stack(&save, to) pushes the callee-saved registers, stores the stack pointer in *save,
// loads `to` and pops the registers saved there: a function call that returns on another stack.
extern "C" void dnagrad_switch_stack(void** save, void* to);

namespace dnagrad::emulation {

constexpr size_t kStackBytes = 256 * 1024;  // per fiber; the lowest page is a guard

// A fiber stack of kStackBytes from mmap with a PROT_NONE guard page at its low end, so an
// overflow faults.
struct Stack {
  void* base = nullptr;
  size_t bytes = 0;
  Stack();
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
};

// A fresh stack whose first switch "returns" into entry(), entered as if called (rsp + 8
// 16-byte aligned); entry must never return.
void* prepare_stack(void* base, size_t bytes, void (*entry)());

}  // namespace dnagrad::emulation
#endif  // DNAGRAD_CUDA_EMULATE
