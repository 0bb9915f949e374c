// Deterministic "many sums at once" for kernels/cuda/*.cu (reduce_sum, and the gradient of a
// broadcast input in binary_backward).
//
// The problem: `outputs` results, result j = sum over k in [0, terms) of job.term(job.base(j), k),
// added up in double and handed to job.finish(j, total), which writes it (assigns or accumulates:
// the job decides). A Job is a small struct passed to the kernels by value:
//
//   struct Job {
//     __device__ Base base(int64_t j) const;                  // per-output setup, e.g. an offset
//     __device__ double term(const Base&, int64_t k) const;  // term k of output j, as double
//     __device__ void finish(int64_t j, double total) const; // writes output j
//   };
//
// No floating-point atomics anywhere: every order of addition is fixed by the problem size
// alone (never by the GPU, the timing or the grid the driver picks), so two runs give the same
// bits. Three launch plans, chosen from the sizes only:
//   serial    one thread per output adds its terms in order k = 0, 1, ... (the CPU's order, so
//             the result usually matches the CPU bit for bit). Used when each sum is short
//             (terms <= kSerialTerms) or there are enough outputs to fill the GPU with threads
//             (outputs >= kSerialOutputs). terms == 0 lands here and finishes with total 0.
//   blocks    one block per piece of kPiece consecutive terms of one output: thread t adds terms
//             t, t + 256, ... in order, then the block adds its 256 partial sums in a fixed tree
//             (block_reduce.cuh). With one piece per output the block finishes the output itself.
//   two-pass  with several pieces per output, pass 1 writes each piece's sum to a double buffer
//             [outputs, pieces]; pass 2 gives each output one block that adds its pieces (thread
//             t takes pieces t, t + 256, ..., then the same fixed tree).
#pragma once
#include <algorithm>

#include "core/array.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/launch.cuh"

namespace dnagrad::kernels::cuda {

// Sums at most this long go to one thread each.
constexpr int64_t kSerialTerms = 32;
// With at least this many outputs, one thread per output already fills the GPU.
constexpr int64_t kSerialOutputs = 16384;
// Terms one block adds before its partial sum is stored (8 per thread).
constexpr int64_t kPiece = int64_t{kThreads} * 8;

template <class Job>
__global__ void segmented_sum_serial(Job job, int64_t outputs, int64_t terms) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < outputs;
       j += int64_t{gridDim.x} * blockDim.x) {
    const auto base = job.base(j);
    double total = 0;
    for (int64_t k = 0; k < terms; ++k) total += job.term(base, k);
    job.finish(j, total);
  }
}

// Task = (output j, piece p), task = j * pieces + p. The loop bound is the same for every thread
// of a block, so all of them reach block_sum together. With partial == nullptr (one piece per
// output) thread 0 finishes output j; otherwise it stores the piece's sum in partial[task].
template <class Job>
__global__ void segmented_sum_blocks(Job job, int64_t outputs, int64_t terms, int64_t pieces,
                                     double* partial) {
  for (int64_t task = blockIdx.x; task < outputs * pieces; task += gridDim.x) {
    const int64_t j = task / pieces, p = task % pieces;
    const auto base = job.base(j);
    const int64_t end = min(terms, (p + 1) * kPiece);
    double total = 0;
    for (int64_t k = p * kPiece + threadIdx.x; k < end; k += blockDim.x) total += job.term(base, k);
    total = block_sum(total);
    if (threadIdx.x == 0) {
      if (partial)
        partial[task] = total;
      else
        job.finish(j, total);
    }
  }
}

// Pass 2: one block per output adds its `pieces` partial sums in a fixed order.
template <class Job>
__global__ void segmented_sum_pieces(Job job, int64_t outputs, int64_t pieces,
                                     const double* partial) {
  for (int64_t j = blockIdx.x; j < outputs; j += gridDim.x) {
    double total = 0;
    for (int64_t p = threadIdx.x; p < pieces; p += blockDim.x) total += partial[j * pieces + p];
    total = block_sum(total);
    if (threadIdx.x == 0) job.finish(j, total);
  }
}

// Runs `job` over `outputs` sums of `terms` terms each on `device` (for the scratch buffer of
// the two-pass plan). `op` names the caller in launch errors.
template <class Job>
void segmented_sum(const Job& job, int64_t outputs, int64_t terms, Device device, const char* op) {
  if (outputs == 0) return;
  auto grid = [](int64_t blocks) {
    return static_cast<unsigned>(std::min<int64_t>(blocks, 65535));
  };
  if (terms <= kSerialTerms || outputs >= kSerialOutputs) {
    launch(segmented_sum_serial<Job>, blocks_for(outputs), kThreads, 0, "segmented_sum_serial", op)(
        job, outputs, terms);
    return;
  }
  const int64_t pieces = (terms + kPiece - 1) / kPiece;
  if (pieces == 1) {
    launch(segmented_sum_blocks<Job>, grid(outputs), kThreads, 0, "segmented_sum_blocks", op)(
        job, outputs, terms, 1, nullptr);
    return;
  }
  Array partial = Array::empty({outputs, pieces}, DType::F64, device);  // every piece is written
  launch(segmented_sum_blocks<Job>, grid(outputs * pieces), kThreads, 0, "segmented_sum_blocks",
         op)(job, outputs, terms, pieces, partial.data<double>());
  launch(segmented_sum_pieces<Job>, grid(outputs), kThreads, 0, "segmented_sum_pieces", op)(
      job, outputs, pieces, partial.data<double>());
}

}  // namespace dnagrad::kernels::cuda
