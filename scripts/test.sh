#!/usr/bin/env bash
# Builds dnagrad and runs the whole test suite (the README's second command; CI runs it too):
#   1. installs missing Debian packages, configures and builds (Release),
#   2. ctest: unit tests, doc tests, and the examples/ project built against the installed package,
#   3. the same unit tests again in an AddressSanitizer + UndefinedBehaviorSanitizer build
#      (skip with DNAGRAD_SKIP_SANITIZE=1),
#   4. every libFuzzer target of fuzz/ (a clang build) for DNAGRAD_FUZZ_SECONDS each (default
#      20), one per core at a time; a crash, hang or sanitizer report fails the script
#      (skip with DNAGRAD_SKIP_FUZZ=1).
# GPU tests (ctest label gpu) report themselves skipped on machines without a GPU.
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
  echo "== sanitizer build (ASan + UBSan) =="
  cmake -S . -B build-sanitize -G Ninja -DDNAGRAD_SANITIZE=ON -DDNAGRAD_CUDA=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNAGRAD_BUILD_APPS=OFF
  cmake --build build-sanitize -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -LE "example|gpu"
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
