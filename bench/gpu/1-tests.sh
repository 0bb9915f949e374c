#!/usr/bin/env bash
# GPU check, step 1 of 3 (bench/gpu/README.md), from the repository root on the GPU machine:
# configure for sm_90 with the CUDA backend (genomics IO off: no htslib there), build only the
# test binary and the CLI, and run the whole gpu doctest suite once, in one process.
#   Sends back under $OUT: tests.log (configure/build excerpts, the test run), tests.json.
#   Env: BUILD_DIR=build-gpu JOBS=$(nproc) BUDGET_S=480, and the substeps' caps BUILD_S=360
#   TESTS_S=180. A build stopped by its cap is resumed by running this step again on the same
#   warm machine (ninja keeps what it compiled).
set -euo pipefail
# shellcheck source=bench/gpu/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
step_start tests "step 1/3: build + gpu tests" 480 configure cudnn build tests

JOBS=${JOBS:-$(nproc)}
OUT_LOG=$OUT_DIR/tests.log
rm -f "$BUILD_STAMP"

# ---- configure ----
CMAKE_ARGS=(-S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DDNAGRAD_CUDA=ON
            -DCMAKE_CUDA_ARCHITECTURES=90 -DDNAGRAD_GENOMICS_IO=OFF)
if command -v ninja > /dev/null; then CMAKE_ARGS+=(-G Ninja); fi
if ! use_carried_headers; then
  fail configure "FAIL: headers missing and no .carry/ (run bench/gpu/carry.sh, carry .carry)"
  exit 1
fi
# A cache written for a copy of the tree at another path makes cmake refuse to configure.
if [[ -f $BUILD_DIR/CMakeCache.txt ]]; then
  cached=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt")
  if [[ "$(cd "$cached" 2> /dev/null && pwd -P)" != "$ROOT" ]]; then
    note "$BUILD_DIR/ was configured for $cached: configured afresh"
    rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles"
  fi
fi
rc=0
run_logged "$(budget 120)" "$LOG_DIR/configure.log" cmake "${CMAKE_ARGS[@]}" || rc=$?
{ echo "==== configure (rc $rc) ===="; excerpt "$LOG_DIR/configure.log" 40; } >> "$OUT_LOG"
if ((rc != 0)); then
  tail -20 "$LOG_DIR/configure.log"
  fail configure "FAIL (rc $rc; see tests.log)"
  exit 1
fi
pass configure "ok"
cudnn=$(grep -E -- "-- dnagrad: cuDNN" "$LOG_DIR/configure.log" | tail -1 | sed 's/^-- dnagrad: //' || true)
pass cudnn "${cudnn:-"? (no cuDNN line in the configure log)"}"

# ---- build: only what steps 1-3 run ----
echo "tests: building dnagrad_tests and dnagrad_cli with $JOBS jobs"
secs=$(budget "${BUILD_S:-360}")
rc=0
run_logged "$secs" "$LOG_DIR/build.log" \
  cmake --build "$BUILD_DIR" -j "$JOBS" --target dnagrad_tests dnagrad_cli || rc=$?
{
  echo "==== build (rc $rc): errors ===="
  grep -E "error|FAILED" "$LOG_DIR/build.log" | head -60 || true
  echo "==== build: last lines ===="
  tail -n 15 "$LOG_DIR/build.log"
} >> "$OUT_LOG"
if timed_out "$rc"; then
  fail build "timeout after $secs s: run step 1 again on this warm machine (the build resumes)"
  exit 1
elif ((rc != 0)); then
  grep -E "error|FAILED" "$LOG_DIR/build.log" | head -20 || true
  fail build "FAIL (rc $rc; errors in tests.log)"
  exit 1
fi
touch "$BUILD_STAMP"
pass build "ok (dnagrad_tests, dnagrad_cli)"

# ---- the gpu suite, once. CUDA_LAUNCH_BLOCKING and DNAGRAD_CUDA_SYNC make a kernel fault surface
# at its own launch, with the kernel named, instead of at some later copy.
echo "tests: $TEST_EXE -ts=gpu"
secs=$(budget "${TESTS_S:-180}")
log=$LOG_DIR/gpu-tests.log
rc=0
run_logged "$secs" "$log" env CUDA_LAUNCH_BLOCKING=1 DNAGRAD_CUDA_SYNC=1 \
  "$TEST_EXE" -ts=gpu --duration=true --no-colors=true || rc=$?
{ echo "==== gpu tests (rc $rc) ===="; excerpt "$log" 300; } >> "$OUT_LOG"
counts=$(doctest_counts "$log")
ran=$(sed -n 's/^test cases: *\([0-9]*\).*/\1/p' <<< "$counts")
skips=$(grep -c "DNAGRAD-GPU-SKIP" "$log" || true)
no_cudnn=$(grep -c "DNAGRAD-GPU-SKIP: built without cuDNN" "$log" || true)
emulated=$(grep -c "DNAGRAD-GPU-EMULATED" "$log" || true)
if [[ -n $counts ]]; then note "doctest's \"skipped\" = test cases outside the gpu suite, not GPU skips"; fi
# Any failing test case, by name (doctest prints "TEST CASE:  <name>" above each failure).
while IFS= read -r name; do note "failed: $name"; done \
  < <(grep -E "^TEST CASE:" "$log" | sed 's/^TEST CASE: *//' | sort -u | head -8)
if timed_out "$rc"; then
  fail tests "timeout after $secs s (${counts:-no doctest summary})"
elif ((skips > no_cudnn)); then
  fail tests "FAIL: $((skips - no_cudnn)) test(s) printed DNAGRAD-GPU-SKIP: no GPU seen (${counts:-no doctest summary})"
elif ((emulated > 0)); then
  fail tests "FAIL: the tests ran on the CPU emulation, not the GPU (${counts:-?})"
elif ((rc != 0)); then
  tail -25 "$log"
  fail tests "FAIL (rc $rc): ${counts:-no doctest summary: crashed? see tests.log}"
elif [[ -z $counts || ${ran:-0} -eq 0 ]]; then
  fail tests "FAIL: no test case ran (${counts:-no doctest summary})"
else
  pass tests "PASS: $counts"
fi
if ((no_cudnn > 0)); then
  note "the cuDNN comparison is compiled out (cuDNN not found at configure): our kernels were checked against the CPU only; this does not fail the step"
fi
exit 0  # the table and the exit status come from step_finish (common.sh)
