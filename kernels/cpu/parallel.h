// Loop helpers shared by the CPU kernels (private to kernels/cpu).
//
// Work is split into pieces whose boundaries depend only on the problem size, never on the
// thread count, and every sum is formed in a fixed order, so a kernel gives bitwise the same
// result on 1 thread or 16. Bodies must not throw: an exception cannot leave an OpenMP loop, so
// kernels check their arguments before they start one.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace dnagrad::kernels::cpu {

// Below about this many elements of work a loop runs on one thread: waking a team costs more.
constexpr int64_t kParallelGrain = 1 << 15;
// Elements per piece in the elementwise loops.
constexpr int64_t kChunk = 1 << 13;

// Calls body(i) for every i in [0, n); on several threads when n * cost (roughly the number of
// elements the whole loop touches) is large enough to pay for them.
template <class Body>
void parallel_for(int64_t n, int64_t cost, Body&& body) {
#pragma omp parallel for schedule(static) if (n > 1 && \
                                              n * std::max <int64_t>(cost, 1) >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) body(i);
}

// Calls body(begin, end) for the consecutive pieces [begin, end) of [0, n), kChunk long each.
template <class Body>
void parallel_chunks(int64_t n, Body&& body) {
  const int64_t n_chunks = (n + kChunk - 1) / kChunk;
  parallel_for(n_chunks, kChunk,
               [&](int64_t c) { body(c * kChunk, std::min(n, (c + 1) * kChunk)); });
}

// sum over i in [0, n) of term(i), in double; `cost` is the work of one term as in parallel_for.
// Partial sums over fixed pieces are added in order, so the result does not depend on threads.
template <class Term>
double deterministic_sum(int64_t n, int64_t cost, Term&& term) {
  const int64_t piece = std::max<int64_t>(1, kChunk / std::max<int64_t>(cost, 1));
  const int64_t n_pieces = (n + piece - 1) / piece;
  std::vector<double> partial(n_pieces, 0.0);
  parallel_for(n_pieces, piece * cost, [&](int64_t p) {
    double s = 0;
    for (int64_t i = p * piece; i < std::min(n, (p + 1) * piece); ++i) s += term(i);
    partial[p] = s;
  });
  double total = 0;
  for (double s : partial) total += s;
  return total;
}

}  // namespace dnagrad::kernels::cpu
