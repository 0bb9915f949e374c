#!/usr/bin/env bash
# Builds dnagrad and runs the whole test suite (the README's second command; CI runs it too):
#   1. installs missing Debian packages, configures and builds (Release),
#   2. ctest: unit tests, doc tests, and the examples/ project built against the installed package,
#   3. the same unit tests again in an AddressSanitizer + UndefinedBehaviorSanitizer build
#      (skip with DNAGRAD_SKIP_SANITIZE=1).
# GPU tests (ctest label gpu) report themselves skipped on machines without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

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
