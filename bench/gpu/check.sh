#!/usr/bin/env bash
# The whole GPU check in ONE command, for a GPU machine without a time limit per command (a
# workstation, a CI runner): the three steps of bench/gpu/README.md in a row, with generous caps
# and today's benchmark repeats. Through the device tool (10 minutes per command) run the three
# steps as three calls instead: this would be killed before its tables print.
# Kept as a wrapper (not deleted) so that README.md and bench/RESULTS.md, which name it, stay true.
#   Usage: bench/gpu/check.sh   (SKIP_SANITIZERS=1 skips step 2, SKIP_BENCH=1 step 3; BUILD_DIR,
#          JOBS, OUT and the steps' caps as in each step's header)
# Exit status: 0 when every step run passed.
set -euo pipefail
if [[ ! -f CMakeLists.txt || ! -d kernels/cuda ]]; then
  echo "check.sh: run me from the dnagrad repository root" >&2
  exit 2
fi
here=$(dirname "${BASH_SOURCE[0]}")
export BUDGET_S=${BUDGET_S:-7200} BUILD_S=${BUILD_S:-3600} TESTS_S=${TESTS_S:-1800}
export MEMCHECK_S=${MEMCHECK_S:-3600} RACECHECK_S=${RACECHECK_S:-1800}
export SYNCCHECK_S=${SYNCCHECK_S:-1800} INITCHECK_S=${INITCHECK_S:-1800}
export BENCH_S=${BENCH_S:-1800} BENCH_REPEATS=${BENCH_REPEATS:-25} BENCH_WARMUP=${BENCH_WARMUP:-3}

steps=(1-tests)
[[ -n ${SKIP_SANITIZERS:-} ]] || steps+=(2-sanitize)
[[ -n ${SKIP_BENCH:-} ]] || steps+=(3-bench)
declare -A rc
for step in "${steps[@]}"; do
  rc[$step]=0
  bash "$here/$step.sh" || rc[$step]=$?
done

status=0
echo
echo "==================== dnagrad GPU check: all steps ===================="
for step in "${steps[@]}"; do
  if [[ ${rc[$step]} == 0 ]]; then word=PASS; else word="FAIL (exit ${rc[$step]})"; status=1; fi
  printf '%-10s | %s\n' "$step" "$word"
done
if ((status == 0)); then word=PASS; else word=FAIL; fi
echo "overall : $word (the table of each step is above)"
exit "$status"
