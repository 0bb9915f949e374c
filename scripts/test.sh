#!/usr/bin/env bash
# Builds dnagrad and runs the whole test suite (the README's second command; CI runs it too):
#   1. installs missing Debian packages, configures and builds (Release),
#   2. ctest: unit tests, doc tests, and the examples/ project built against the installed package,
#   3. the same unit tests again in an AddressSanitizer + UndefinedBehaviorSanitizer build in
#      which the CUDA backend is emulated on the CPU (-DDNAGRAD_CUDA=EMULATE), so the gpu suite
#      runs there too: once with threads and blocks shuffled, once reversed with capped grids.
#      That build is also the portable one: the x86-64-v3 baseline (DNAGRAD_NATIVE=OFF) and
#      Eigen's own GEMM (DNAGRAD_BLAS=OFF), where step 2 has -march=native and BLIS
#      (skip all of step 3 with DNAGRAD_SKIP_SANITIZE=1),
#   4. every libFuzzer target of fuzz/ (a clang build) for DNAGRAD_FUZZ_SECONDS each (default
#      20), one per core at a time; a crash, hang or sanitizer report fails the script
#      (skip with DNAGRAD_SKIP_FUZZ=1).
# GPU tests (ctest label gpu) report themselves skipped in step 2 on machines without a GPU; in
# step 3 they run on emulated CUDA (their names start with "emulated:"), which checks the
# kernels' logic, not the hardware.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
# ctest runs tests side by side, each with OpenMP threads: with libgomp's default spin-waiting,
# threads of one test burn the cores the others need (a 0.2 s test took 9 s on a loaded 2-core
# machine). Passive waiting keeps the suite's time stable; it costs ≈ 10 % of speed on a quiet
# machine, which only benchmarks care about (they run with the default).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"

scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${DNAGRAD_SKIP_SANITIZE:-0}" != "1" ]; then
  # The CUDA backend in its emulation build: kernels/cuda/*.cu compiled as host C++, every GPU
  # thread a fiber on the CPU (kernels/cuda/simt_emulation.h), so the gpu suite runs here too.
  echo "== sanitizer build (ASan + UBSan), CUDA emulated, x86-64-v3, Eigen's GEMM =="
  cmake -S . -B build-sanitize -G Ninja -DDNAGRAD_SANITIZE=ON -DDNAGRAD_CUDA=EMULATE \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNAGRAD_BUILD_APPS=OFF -DDNAGRAD_NATIVE=OFF \
    -DDNAGRAD_BLAS=OFF
  cmake --build build-sanitize -j "$jobs"
  export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
  # Every unit test, and the gpu suite (emulated) with blocks and threads in a shuffled order...
  seed=${DNAGRAD_EMULATE_SEED:-$RANDOM}
  echo "== all tests; gpu suite emulated, order shuffle, seed $seed (DNAGRAD_EMULATE_SEED) =="
  DNAGRAD_EMULATE_ORDER=shuffle DNAGRAD_EMULATE_SEED=$seed \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -LE example
  # ...then the gpu suite again in reverse order, with grid-stride kernels capped at 3 blocks so
  # their loops take several turns (a missing trailing barrier shows only then).
  echo "== gpu suite emulated again: order reverse, at most 3 blocks per grid-stride grid =="
  DNAGRAD_EMULATE_ORDER=reverse DNAGRAD_EMULATE_MAX_BLOCKS=3 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -L gpu
fi

if [ "${DNAGRAD_SKIP_FUZZ:-0}" != "1" ]; then
  echo "== fuzz targets (clang: libFuzzer + ASan + UBSan) =="
  scripts/install-deps.sh --fuzz
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DDNAGRAD_FUZZ=ON -DDNAGRAD_CUDA=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNAGRAD_BUILD_APPS=OFF -DDNAGRAD_BUILD_TESTS=OFF
  cmake --build build-fuzz -j "$jobs"
  # One target per folder of fuzz/corpus/. Each fuzzes a scratch copy of its seeds (the repo's
  # stay as they are); an input that breaks it is kept in build-fuzz/crashes/.
  export DNAGRAD_FUZZ_SECONDS="${DNAGRAD_FUZZ_SECONDS:-20}" FUZZ_SCRATCH="$(mktemp -d)"
  trap 'rm -rf "$FUZZ_SCRATCH"' EXIT
  mkdir -p build-fuzz/crashes
  fuzz_one() {
    local name=$1 log="$FUZZ_SCRATCH/$1.log"
    cp -r "fuzz/corpus/$name" "$FUZZ_SCRATCH/$name"
    if build-fuzz/fuzz/fuzz_"$name" -max_total_time="$DNAGRAD_FUZZ_SECONDS" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="build-fuzz/crashes/$name-" "$FUZZ_SCRATCH/$name" \
      >"$log" 2>&1; then
      echo "fuzz_$name: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log")"
    else
      tail -n 80 "$log"
      echo "fuzz_$name FAILED: the input is in build-fuzz/crashes/$name-*;" \
        "replay it with build-fuzz/fuzz/fuzz_$name <file>"
      return 1
    fi
  }
  export -f fuzz_one
  ls fuzz/corpus | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$1"' _ {}
fi
