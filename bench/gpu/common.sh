# Sourced (not run) by bench/gpu/1-tests.sh, 2-sanitize.sh and 3-bench.sh: the bookkeeping of one
# step of the GPU check (bench/gpu/README.md). Each step reports a few results, runs every
# substep under a time limit that keeps the whole step inside BUDGET_S (a GPU command is killed at
# 10 minutes, and a killed command reports nothing), writes a JSON summary under $OUT and prints
# its results table LAST (the device tool returns only the tail of the output and the files under
# $OUT, at most 8 of them).
#
# Environment: BUILD_DIR (build-gpu), OUT (what comes back; default $BUILD_DIR/check-out),
#   BUDGET_S (wall-clock cap of the step), DNAGRAD_COMMIT (commit to report: the GPU machine's
#   copy of the tree may have no .git).
# shellcheck shell=bash disable=SC2034  # (its variables are used by the steps that source it)

if [[ ! -f CMakeLists.txt || ! -d kernels/cuda ]]; then
  echo "$(basename "$0"): run me from the dnagrad repository root" >&2
  exit 2
fi

ROOT=$(pwd -P)
BUILD_DIR=${BUILD_DIR:-build-gpu}
LOG_DIR=$BUILD_DIR/check-logs     # whole logs; stay on the GPU machine
OUT_DIR=${OUT:-$BUILD_DIR/check-out}
TEST_EXE=$BUILD_DIR/tests/dnagrad_tests
CLI_EXE=$BUILD_DIR/apps/dnagrad
BUILD_STAMP=$LOG_DIR/build.ok     # step 1 writes it only after a complete build
declare -A RESULT
KEYS=()
NOTES=()
EXTRA=""                          # printed under the table (step 3: the benchmark rows)
STATUS=0
START=$SECONDS

# step_start NAME TITLE DEFAULT_BUDGET_S KEY...: KEYs are this step's results, in table order.
step_start() {
  STEP=$1 TITLE=$2 BUDGET_S=${BUDGET_S:-$3}
  shift 3
  KEYS=("$@")
  local key
  for key in "$@"; do RESULT[$key]="not run"; done
  mkdir -p "$LOG_DIR" "$OUT_DIR"
  rm -f "$OUT_DIR/$STEP.log" "$OUT_DIR/$STEP.json"
  trap step_finish EXIT
  echo "$STEP: $TITLE; at most $BUDGET_S s; whole logs in $LOG_DIR/, results in $OUT_DIR/"
}

verdict() { if (($1 == 0)); then echo PASS; else echo FAIL; fi; }
pass() { RESULT[$1]=$2; }
fail() { RESULT[$1]=$2; STATUS=1; }
note() { NOTES+=("$1"); }

# budget WANT: the seconds a substep may take: WANT, or less so that the step still ends inside
# BUDGET_S with 20 s left for the summary and the table.
budget() {
  local left=$((BUDGET_S - (SECONDS - START) - 20))
  echo $(($1 < left ? $1 : left))
}

# run_logged SECS LOG CMD...: CMD with its output in LOG, stopped after SECS (status 124, or 137
# when it had to be killed). timeout signals its whole process group, so the program a sanitizer
# runs stops with it.
run_logged() {
  local secs=$1 log=$2
  shift 2
  echo "+ $* (at most $secs s)" > "$log"
  if ((secs <= 0)); then
    echo "not started: the step's time budget (BUDGET_S=$BUDGET_S) is spent" >> "$log"
    return 124
  fi
  timeout -k 10 "$secs" "$@" >> "$log" 2>&1
}
timed_out() { (($1 == 124 || $1 == 137)); }

# excerpt FILE N: FILE whole when short, else its first and last N lines (what comes back is
# limited; the whole file stays on the GPU machine).
excerpt() {
  local lines
  lines=$(wc -l < "$1")
  if ((lines <= 2 * $2 + 10)); then
    cat "$1"
  else
    head -n "$2" "$1"
    echo "... [$((lines - 2 * $2)) lines cut; whole log: $1 on the GPU machine] ..."
    tail -n "$2" "$1"
  fi
}

# doctest_counts LOG: doctest's "test cases: N | N passed | N failed | N skipped" line, or "".
doctest_counts() {
  grep -E '^\[doctest\] test cases:' "$1" | tail -1 | sed 's/^\[doctest\] //' | tr -s ' ' || true
}

# require_build FILE...: steps 2 and 3 run what step 1 built on this same (warm) machine.
require_build() {
  local file
  for file in "$@"; do
    if [[ ! -x $file || ! -f $BUILD_STAMP ]]; then
      fail "${KEYS[0]}" "not run: no complete build in $BUILD_DIR/ (run bench/gpu/1-tests.sh first, on this same machine while it is warm)"
      exit 1
    fi
  done
}

# use_carried_headers: for the header-only dependencies this machine lacks, point CMake and the
# compilers at .carry/ (made on the build machine by bench/gpu/carry.sh and carried with the call).
# Appends to the array CMAKE_ARGS; fails when a header is missing and nothing was carried.
use_carried_headers() {
  local missing=()
  [[ -f /usr/include/eigen3/Eigen/Core ]] || missing+=(Eigen)
  [[ -f /usr/include/doctest/doctest.h ]] || missing+=(doctest)
  [[ -f /usr/include/CLI/CLI.hpp ]] || missing+=(CLI11)
  [[ -f /usr/include/nlohmann/json.hpp ]] || missing+=(nlohmann_json)
  ((${#missing[@]} > 0)) || return 0
  if [[ ! -d .carry/include ]]; then
    echo "$STEP: ${missing[*]} not installed here and no .carry/: run bench/gpu/carry.sh on the" \
         "build machine and pass \".carry\" in the call's carry list" >&2
    return 1
  fi
  note "headers taken from .carry/: ${missing[*]}"
  CMAKE_ARGS+=(-DCMAKE_PREFIX_PATH="$ROOT/.carry")
  export CPATH="$ROOT/.carry/include:$ROOT/.carry/include/eigen3${CPATH:+:$CPATH}"
}

json_str() {  # a JSON string literal
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}
  printf '"%s"' "$(printf '%s' "$s" | tr -d '\000-\037')"
}

commit_text() {
  if [[ -n ${DNAGRAD_COMMIT:-} ]]; then
    echo "$DNAGRAD_COMMIT"
  elif git rev-parse --short HEAD > /dev/null 2>&1; then
    echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD 2>/dev/null || echo '+local changes')"
  else
    echo "?"
  fi
}

write_summary() {  # write_summary EXIT_STATUS: $OUT_DIR/$STEP.json
  local key first=1
  {
    printf '{\n  "step": %s,\n  "title": %s,\n' "$(json_str "$STEP")" "$(json_str "$TITLE")"
    printf '  "commit": %s,\n  "date": %s,\n' "$(json_str "$COMMIT")" "$(json_str "$DATE")"
    printf '  "machine": %s,\n  "gpu": %s,\n' "$(json_str "${HOSTNAME:-?}")" "$(json_str "$GPU")"
    printf '  "run_on": "hardware (not the CPU emulation)",\n  "results": {'
    for key in "${KEYS[@]}"; do
      ((first)) || printf ','
      first=0
      printf '\n    %s: %s' "$(json_str "$key")" "$(json_str "${RESULT[$key]}")"
    done
    printf '\n  },\n  "notes": ['
    first=1
    for key in "${NOTES[@]}"; do
      ((first)) || printf ','
      first=0
      printf '\n    %s' "$(json_str "$key")"
    done
    printf '\n  ],\n  "overall": "%s",\n  "exit_status": %d,\n' \
      "$(verdict "$1")" "$1"
    printf '  "elapsed_s": %d,\n  "budget_s": %d\n}\n' "$((SECONDS - START))" "$BUDGET_S"
  } > "$OUT_DIR/$STEP.json"
}

print_table() {  # print_table EXIT_STATUS
  local key line files
  shopt -s nullglob
  files=("$OUT_DIR"/*)
  echo
  echo "==================== dnagrad GPU check, $TITLE ===================="
  echo "run on  : hardware (not the CPU emulation); machine ${HOSTNAME:-?}, $DATE"
  echo "gpu     : $GPU"
  echo "commit  : $COMMIT"
  printf '%-10s | %s\n' "substep" "result"
  printf '%-10s-+-%s\n' "----------" "--------------------------------------------------"
  for key in "${KEYS[@]}"; do printf '%-10s | %s\n' "$key" "${RESULT[$key]}"; done
  for line in "${NOTES[@]}"; do echo "note    : $line"; done
  if [[ -n $EXTRA ]]; then printf '%s\n' "$EXTRA"; fi
  echo "files   : ${files[*]##*/} (in $OUT_DIR/); whole logs in $LOG_DIR/"
  echo "time    : $((SECONDS - START)) s (budget $BUDGET_S s)"
  echo "overall : $(verdict "$1") ($STEP, exit $1)"
}

step_finish() {  # the EXIT trap: summary and table whatever happened, then the exit status
  local rc=$?
  if ((rc != 0 && STATUS == 0)); then
    STATUS=1
    note "stopped early with status $rc: see the output above"
  fi
  local status=$((STATUS == 0 ? 0 : 1))
  COMMIT=$(commit_text)
  DATE=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
  GPU=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2> /dev/null | head -1 || true)
  GPU=${GPU:-"? (nvidia-smi gave nothing)"}
  write_summary "$status" || echo "$STEP: could not write $OUT_DIR/$STEP.json" >&2
  print_table "$status"
  exit "$status"
}
