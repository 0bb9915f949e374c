// The fibers of the CUDA emulation (simt_fibers.h): stacks from mmap with a guard page, and a
// context switch of a dozen instructions. simt_emulation.cpp runs one fiber per GPU thread of a
// block and switches between them at __syncthreads().
#if defined(DNAGRAD_CUDA_EMULATE)
#include "kernels/cuda/simt_fibers.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "core/error.h"

// ---- a minimal context switch (x86-64 System V) ------------------------------------------------
// switch_stack(&save, to) pushes the callee-saved registers, stores the stack pointer in *save,
// loads `to` and pops the registers saved there: a function call that returns on another stack.
// (ucontext's swapcontext does the same plus two signal-mask system calls, 50x slower; a block
// of 256 threads with 10 barriers switches 5,000 times.)
#if !defined(__x86_64__)
#error "the CUDA emulation's fibers are written for x86-64 (kernels/cuda/simt_emulation.cpp)"
#endif
asm(R"(
  .text
  .globl dnagrad_switch_stack
  .type dnagrad_switch_stack, @function
dnagrad_switch_stack:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size dnagrad_switch_stack, .-dnagrad_switch_stack
)");

namespace dnagrad::emulation {

Stack::Stack() {
  bytes = kStackBytes;
  base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
              -1, 0);
  DNAGRAD_CHECK(base != MAP_FAILED, "emulated CUDA: cannot map a fiber stack");
  mprotect(base, static_cast<size_t>(sysconf(_SC_PAGESIZE)), PROT_NONE);
}

Stack::~Stack() { munmap(base, bytes); }

void* prepare_stack(void* base, size_t bytes, void (*entry)()) {
  auto top = (reinterpret_cast<uintptr_t>(base) + bytes) & ~uintptr_t{15};
  auto* sp = reinterpret_cast<uintptr_t*>(top);
  *--sp = 0;                                   // entry's (never used) return address
  *--sp = reinterpret_cast<uintptr_t>(entry);  // popped by ret
  for (int r = 0; r < 6; ++r) *--sp = 0;       // rbp, rbx, r12-r15
  return sp;
}

}  // namespace dnagrad::emulation
#endif  // DNAGRAD_CUDA_EMULATE
