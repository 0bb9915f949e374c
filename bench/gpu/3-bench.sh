#!/usr/bin/env bash
# GPU check, step 3 of 3 (bench/gpu/README.md): `dnagrad bench kernels --device cuda` with the CLI
# that step 1 built on this same machine (run step 1 first): our Conv1d/BatchNorm/MaxPool kernels
# against cuDNN's best algorithm (time, GFLOP/s or GB/s, ratio, max relative error;
# bench/kernels.cpp). The benchmark never asserts: it passes when it runs.
#   Sends back under $OUT: kernels.log (its table), kernels.json (its numbers), bench.json.
#   Env: BUILD_DIR=build-gpu BUDGET_S=240 BENCH_S=200 BENCH_REPEATS=5 BENCH_WARMUP=1
set -euo pipefail
# shellcheck source=bench/gpu/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
step_start bench "step 3/3: kernel benchmark, ours vs cuDNN" 240 kernels reference
require_build "$CLI_EXE"

log=$OUT_DIR/kernels.log
rm -f "$log" "$OUT_DIR/kernels.json"
repeats=${BENCH_REPEATS:-5} warmup=${BENCH_WARMUP:-1}
secs=$(budget "${BENCH_S:-200}")
echo "bench: $CLI_EXE bench kernels --device cuda (at most $secs s)"
rc=0
run_logged "$secs" "$log" "$CLI_EXE" bench kernels --device cuda --repeats "$repeats" \
  --warmup "$warmup" --json "$OUT_DIR/kernels.json" || rc=$?
rm -f "$OUT_DIR/kernels.json.tmp"  # left by a run stopped while writing: keep $OUT to its files

reference=$(grep -m1 -E "^bench: (reference|built without cuDNN)" "$log" | sed 's/^bench: //' || true)
pass reference "${reference:-"? (no reference line in kernels.log)"}"
rows=$(grep -c "^kernel_" "$log" || true)
if timed_out "$rc"; then
  fail kernels "timeout after $secs s ($rows rows done; see kernels.log)"
elif ((rc != 0)); then
  tail -15 "$log"
  fail kernels "FAIL (rc $rc): $(grep -m1 -i "error" "$log" || echo 'see kernels.log')"
elif ((rows == 0)); then
  fail kernels "FAIL: no kernel_ rows in kernels.log"
else
  pass kernels "PASS: $rows rows (table in kernels.log, numbers in kernels.json)"
fi
if grep -qE "max_rel_err (inf|nan)" "$log"; then
  note "WARNING: NaN in a correctness check (max_rel_err inf): that row's numbers are not valid"
fi

# Compact rows for the table: key, our median ms, then the notes' numbers.
if ((rows > 0)); then
  EXTRA="kernel benchmark on the GPU (ours vs cuDNN, batch 64, float32, median of $repeats runs"
  EXTRA+=" after $warmup warm-up; ours_over_cudnn > 1: ours slower):"$'\n'
  EXTRA+=$(awk '/^kernel_/ {
      line = $0; out = sprintf("%-28s ours %8s ms", $1, $2)
      n = split("cudnn_ms ours_over_cudnn gflops gbps max_rel_err cudnn_tf32_ms", names, " ")
      for (i = 1; i <= n; i++)
        if (match(line, "[, ]" names[i] " [^,]+")) out = out ", " substr(line, RSTART + 1, RLENGTH - 1)
      print out
    }' "$log" || true)
fi
exit 0  # the table and the exit status come from step_finish (common.sh)
