#!/usr/bin/env bash
# One command for a GPU machine with no internet, run from the repository root:
#   1. configure for sm_90 with the CUDA backend (genomics IO off: no htslib needed),
#   2. build,
#   3. ctest -L gpu (every GPU parity test),
#   4. compute-sanitizer memcheck and racecheck over the gpu doctest suite (without the cuDNN
#      comparisons: they test cuDNN's kernels as much as ours, and its algorithm search under a
#      sanitizer takes far too long),
#   5. `dnagrad bench kernels --device cuda`: our Conv1d/BatchNorm/MaxPool kernels against cuDNN
#      (time, GFLOP/s or GB/s, ratio, max relative error; bench/kernels.cpp),
#   6. print a short results table LAST (a remote call often shows only the tail), with the
#      kernel benchmark's rows.
# Header-only dependencies missing on the machine are taken from .carry/ (made on the build
# machine by bench/gpu/carry.sh and carried with the call).
#
# Usage: bench/gpu/check.sh            (BUILD_DIR=build-gpu, JOBS=nproc by default)
#        SKIP_SANITIZERS=1 bench/gpu/check.sh     to skip step 4
#        SKIP_BENCH=1 bench/gpu/check.sh          to skip step 5
#        BENCH_REPEATS=25 BENCH_WARMUP=3          timed and untimed runs per kernel (defaults)
# Exit status: 0 when the build, the tests, both sanitizers and the kernel benchmark ran and
# passed (the benchmark never asserts: it passes when it runs); 1 otherwise.
set -euo pipefail

if [[ ! -f CMakeLists.txt || ! -d kernels/cuda ]]; then
  echo "check.sh: run me from the dnagrad repository root" >&2
  exit 2
fi

BUILD_DIR=${BUILD_DIR:-build-gpu}
JOBS=${JOBS:-$(nproc)}
LOG_DIR="$BUILD_DIR/check-logs"
ROOT=$(pwd)

declare -A RESULT
RESULT[configure]="not run"; RESULT[build]="not run"; RESULT[tests]="not run"
RESULT[memcheck]="not run"; RESULT[racecheck]="not run"; RESULT[kernels]="not run"
RESULT[cudnn]="?"
BENCH_ROWS=""
STATUS=0

print_table() {
  echo
  echo "==================== dnagrad GPU check ===================="
  echo "machine : $(hostname)  $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit  : $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ local changes)')"
  echo "gpu     : $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1 || echo '?')"
  printf '%-10s | %s\n' "step" "result"
  printf '%-10s-+-%s\n' "----------" "------------------------------------------"
  for step in configure cudnn build tests memcheck racecheck kernels; do
    printf '%-10s | %s\n' "$step" "${RESULT[$step]}"
  done
  if [[ -n "$BENCH_ROWS" ]]; then
    echo "kernel benchmark (ours vs cuDNN, batch 64, float32; ours_over_cudnn > 1: ours slower):"
    echo "$BENCH_ROWS"
  fi
  echo "logs    : $LOG_DIR/"
  echo "overall : $([[ $STATUS -eq 0 ]] && echo PASS || echo FAIL)"
}
trap 'rc=$?; (( rc != 0 )) && STATUS=1; print_table' EXIT

mkdir -p "$LOG_DIR"

# ---- 1. configure ----
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
cmake_args=(-S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DDNAGRAD_CUDA=ON
            -DCMAKE_CUDA_ARCHITECTURES=90 -DDNAGRAD_GENOMICS_IO=OFF)
missing=()
[[ -f /usr/include/eigen3/Eigen/Core ]] || missing+=(Eigen)
[[ -f /usr/include/doctest/doctest.h ]] || missing+=(doctest)
[[ -f /usr/include/CLI/CLI.hpp ]] || missing+=(CLI11)
[[ -f /usr/include/nlohmann/json.hpp ]] || missing+=(nlohmann_json)
if (( ${#missing[@]} )); then
  if [[ ! -d .carry/include ]]; then
    echo "check.sh: ${missing[*]} not installed here and no .carry/ folder: run bench/gpu/carry.sh" \
         "on the build machine and carry .carry with the call" >&2
    RESULT[configure]="FAIL: missing ${missing[*]}, no .carry/"
    STATUS=1
    exit 1
  fi
  echo "check.sh: using carried headers from .carry/ for: ${missing[*]}"
  cmake_args+=(-DCMAKE_PREFIX_PATH="$ROOT/.carry")
  export CPATH="$ROOT/.carry/include:$ROOT/.carry/include/eigen3${CPATH:+:$CPATH}"
fi
echo "check.sh: cmake ${cmake_args[*]}"
if cmake "${cmake_args[@]}" > "$LOG_DIR/configure.log" 2>&1; then
  RESULT[configure]="ok"
  RESULT[cudnn]=$(grep -E "dnagrad: cuDNN" "$LOG_DIR/configure.log" | tail -1 | sed 's/^-- dnagrad: //' || true)
  RESULT[cudnn]=${RESULT[cudnn]:-"? (no cuDNN line in configure.log)"}
else
  tail -30 "$LOG_DIR/configure.log"
  RESULT[configure]="FAIL (see configure.log)"
  STATUS=1
  exit 1
fi

# ---- 2. build ----
echo "check.sh: building with $JOBS jobs"
if cmake --build "$BUILD_DIR" -j "$JOBS" > "$LOG_DIR/build.log" 2>&1; then
  RESULT[build]="ok"
else
  grep -E "error|FAILED" "$LOG_DIR/build.log" | head -30 || true
  RESULT[build]="FAIL (see build.log)"
  STATUS=1
  exit 1
fi

# ---- 3. gpu tests ----
echo "check.sh: ctest -L gpu"
set +e
ctest --test-dir "$BUILD_DIR" -L gpu --output-on-failure > "$LOG_DIR/ctest.log" 2>&1
ctest_rc=$?
set -e
tail -40 "$LOG_DIR/ctest.log"
summary=$(grep -E "tests passed|tests failed" "$LOG_DIR/ctest.log" | tail -1 || true)
skipped=$(grep -c "\*\*\*Skipped" "$LOG_DIR/ctest.log" || true)
RESULT[tests]="${summary:-no summary} ; skipped: $skipped"
if (( ctest_rc != 0 )); then RESULT[tests]="FAIL: ${RESULT[tests]}"; STATUS=1; fi
if (( skipped > 0 )); then
  if [[ "${RESULT[cudnn]}" == *"compiled out"* ]] && (( skipped == 1 )); then
    RESULT[tests]="${RESULT[tests]} (the cuDNN comparison is compiled out: cuDNN not found)"
  else
    RESULT[tests]="${RESULT[tests]} (skipped = no GPU seen: the tests did NOT run)"
  fi
  STATUS=1
fi

# ---- 4. sanitizers ----
run_sanitizers() {
  if [[ -n "${SKIP_SANITIZERS:-}" ]]; then
    RESULT[memcheck]="skipped (SKIP_SANITIZERS)"; RESULT[racecheck]="skipped (SKIP_SANITIZERS)"
    return
  fi
  local SANITIZER
  SANITIZER=$(command -v compute-sanitizer || true)
  for candidate in "${CUDA_HOME:-/usr/local/cuda}/bin/compute-sanitizer" \
                   /usr/local/cuda/compute-sanitizer/compute-sanitizer; do
    [[ -z "$SANITIZER" && -x "$candidate" ]] && SANITIZER=$candidate
  done
  local TEST_EXE="$BUILD_DIR/tests/dnagrad_tests"
  if [[ -z "$SANITIZER" ]]; then
    RESULT[memcheck]="not run: compute-sanitizer not found"; RESULT[racecheck]="${RESULT[memcheck]}"
    STATUS=1
    return
  fi
  for tool in memcheck racecheck; do
    echo "check.sh: compute-sanitizer --tool $tool over the gpu suite (cuDNN comparisons excluded)"
    set +e
    "$SANITIZER" --tool "$tool" --error-exitcode 99 "$TEST_EXE" -ts=gpu -tce='*cudnn*' \
      > "$LOG_DIR/$tool.log" 2>&1
    rc=$?
    set -e
    tail -15 "$LOG_DIR/$tool.log"
    doctest_line=$(grep -E "^\[doctest\] test cases:" "$LOG_DIR/$tool.log" | tail -1 |
                   sed 's/\[doctest\] //' || true)
    sanitizer_line=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$LOG_DIR/$tool.log" | tail -1 |
                     sed 's/^========= //' || true)
    RESULT[$tool]="rc $rc; ${sanitizer_line:-no sanitizer summary}; ${doctest_line:-no doctest summary}"
    if (( rc != 0 )); then RESULT[$tool]="FAIL: ${RESULT[$tool]}"; STATUS=1; fi
    if grep -q "DNAGRAD-GPU-SKIP" "$LOG_DIR/$tool.log"; then
      RESULT[$tool]="${RESULT[$tool]} (tests skipped themselves: no GPU)"; STATUS=1
    fi
  done
}
run_sanitizers

# ---- 5. kernel benchmark: ours vs cuDNN ----
if [[ -n "${SKIP_BENCH:-}" ]]; then
  RESULT[kernels]="skipped (SKIP_BENCH)"
  exit $STATUS
fi
echo "check.sh: dnagrad bench kernels --device cuda"
set +e
"$BUILD_DIR/apps/dnagrad" bench kernels --device cuda --repeats "${BENCH_REPEATS:-25}" \
  --warmup "${BENCH_WARMUP:-3}" --json "$LOG_DIR/kernels.json" > "$LOG_DIR/kernels.log" 2>&1
rc=$?
set -e
tail -30 "$LOG_DIR/kernels.log"
if (( rc == 0 )); then
  rows=$(grep -c "^kernel_" "$LOG_DIR/kernels.log" || true)
  RESULT[kernels]="ok: $rows rows (table in kernels.log, numbers in kernels.json)"
  # Compact rows for the final table: key, our median ms, then the notes' numbers.
  BENCH_ROWS=$(awk '/^kernel_/ {
      line = $0; out = sprintf("%-28s ours %8s ms", $1, $2)
      n = split("cudnn_ms ours_over_cudnn gflops gbps max_rel_err cudnn_tf32_ms", names, " ")
      for (i = 1; i <= n; i++)
        if (match(line, "[, ]" names[i] " [^,]+")) out = out ", " substr(line, RSTART + 1, RLENGTH - 1)
      print out
    }' "$LOG_DIR/kernels.log" || true)
  if grep -q "max_rel_err inf" "$LOG_DIR/kernels.log"; then
    RESULT[kernels]="${RESULT[kernels]}; NaN in a correctness check (max_rel_err inf)"
  fi
else
  RESULT[kernels]="FAIL: rc $rc ($(grep -m1 -E "error" "$LOG_DIR/kernels.log" || echo 'see kernels.log'))"
  STATUS=1
fi
exit $STATUS
