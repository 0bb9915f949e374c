#!/usr/bin/env bash
# GPU check, step 2 of 3 (bench/gpu/README.md): compute-sanitizer over the test binary that step 1
# built on this same machine (run step 1 first; nothing is built here).
#   memcheck   the whole gpu suite except the cuDNN comparisons (they test cuDNN's kernels as
#              much as ours, and its algorithm search under a sanitizer takes far too long),
#              with exact device allocations: every block its exact size and freed at once, not
#              cached, so an overrun or a use after free is an error memcheck can see;
#   racecheck, synccheck, initcheck   only the test cases of the kernels that use shared memory
#              and barriers (conv1d grad-weight tiles, batchnorm/softmax/loss/sum-of-squares block
#              sums, the linear bias column sums).
# Each tool has a time cap; one that reaches it is reported "timeout", never PASS.
#   Sends back under $OUT: sanitize.log (each tool's log, excerpted), sanitize.json.
#   Env: BUILD_DIR=build-gpu BUDGET_S=420 MEMCHECK_S=210 RACECHECK_S=80 SYNCCHECK_S=50
#   INITCHECK_S=60 (tools run in that order; each also gets no more than what BUDGET_S leaves).
set -euo pipefail
# shellcheck source=bench/gpu/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
step_start sanitize "step 2/3: compute-sanitizer" 420 memcheck racecheck synccheck initcheck
require_build "$TEST_EXE"

# Test cases (doctest names, wildcards, case-insensitive) whose kernels use shared memory; see the
# TEST_CASEs of tests/test_gpu_*.cpp. reduce_sum is not here: segmented_sum.cuh uses no shared
# memory or barrier.
SHARED_MEMORY_CASES='*conv1d*,*batchnorm*,*softmax*,*linear backward*,*linear bias*,*mse*,*cross-entropy*,*loss*,*sum_of_squares*,*float32 training kernels*'

SANITIZER=$(command -v compute-sanitizer || true)
for candidate in "${CUDA_HOME:-/usr/local/cuda}/bin/compute-sanitizer" \
                 "$(dirname "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")/compute-sanitizer" \
                 /usr/local/cuda*/compute-sanitizer/compute-sanitizer; do
  if [[ -z $SANITIZER && -x $candidate ]]; then SANITIZER=$candidate; fi
done
if [[ -z $SANITIZER ]]; then
  for tool in "${KEYS[@]}"; do fail "$tool" "not run: compute-sanitizer not found"; done
  exit 1
fi
echo "sanitize: $SANITIZER"
export DNAGRAD_EXACT_DEVICE_ALLOC=1

# run_tool TOOL WANT_S DOCTEST_ARGS...
run_tool() {
  local tool=$1 secs log=$LOG_DIR/$1.log rc=0
  secs=$(budget "$2")
  shift 2
  if ((secs < 10)); then
    fail "$tool" "not run: the step's time budget (BUDGET_S=$BUDGET_S) is spent"
    return 0
  fi
  echo "sanitize: --tool $tool (at most $secs s)"
  run_logged "$secs" "$log" "$SANITIZER" --tool "$tool" --error-exitcode 99 \
    "$TEST_EXE" -ts=gpu -tce='*cudnn*' --duration=true --no-colors=true "$@" || rc=$?
  { echo "==== $tool (rc $rc) ===="; excerpt "$log" 40; } >> "$OUT_DIR/sanitize.log"
  local summary counts detail
  summary=$(grep -E "(ERROR|RACECHECK) SUMMARY" "$log" | tail -1 | sed 's/^========= //' || true)
  counts=$(doctest_counts "$log")
  counts=${counts% | * skipped}  # doctest's "skipped": the cases filtered out
  detail="${summary:-no sanitizer summary}; ${counts:-no doctest summary}"
  if timed_out "$rc"; then
    fail "$tool" "timeout after $secs s ($detail)"
  elif grep -q "DNAGRAD-GPU-SKIP" "$log"; then
    fail "$tool" "FAIL: the tests skipped themselves: no GPU seen ($detail)"
  elif ((rc != 0)); then
    grep -m 10 -E "^========= (Invalid|Race|Barrier|Uninitialized|Program hit|Error)" "$log" || true
    fail "$tool" "FAIL (rc $rc): $detail"
  elif [[ -z $summary || -z $counts || $counts == "test cases: 0 "* ]]; then
    fail "$tool" "FAIL: no summary or no test case ran ($detail)"
  else
    pass "$tool" "PASS: $detail"
  fi
}

run_tool memcheck "${MEMCHECK_S:-210}"
run_tool racecheck "${RACECHECK_S:-80}" -tc="$SHARED_MEMORY_CASES"
run_tool synccheck "${SYNCCHECK_S:-50}" -tc="$SHARED_MEMORY_CASES"
run_tool initcheck "${INITCHECK_S:-60}" -tc="$SHARED_MEMORY_CASES"
exit 0  # the table and the exit status come from step_finish (common.sh)
