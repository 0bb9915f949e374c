// Deferred checks of data that lives on a CUDA device. Some kernels must validate their input to
// fail loudly as their CPU twins do (a cross-entropy class index outside [0, C), a max-pool
// argmax outside the input). Reading a flag back right after such a kernel would make the host
// wait for the device on every call; instead the kernel lowers a word on the device to the first
// failing element (an integer atomicMin), and the host reads the words only where it waits for
// the device anyway: after every device-to-host copy of an Array (Array::to(cpu), item(), so
// every loss or prediction that reaches the host), or when check_device_errors() is called. The
// failure is then thrown naming the op, the element and the bound, as PyTorch reports its
// device-side asserts. Results computed in between are not to be trusted (the kernels skip or
// clamp the bad elements, never touch memory out of bounds).
#pragma once
#include <cstdint>

namespace dnagrad {

// Arms the deferred check `what` (a string literal naming the op and the condition, e.g.
// "cross_entropy: target[i] is not a class index in [0, bound)") on CUDA device `device` and
// returns its device word: a kernel lowers it with atomicMin to the index of the first failing
// element (it holds all ones while nothing failed). `bound` completes the message.
unsigned long long* arm_device_check(int device, const char* what, int64_t bound);

// Throws Error for the first armed check on `device` whose word was lowered, naming `what`, the
// element and the bound, and re-arms nothing: every check armed since the last call is cleared.
// Costs nothing when no check was armed; otherwise one small copy back from the device.
void check_device_errors(int device);

}  // namespace dnagrad
