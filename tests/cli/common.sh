# Shared by the CLI test scripts (sourced with the script's two arguments): the absolute dnagrad
# binary and source dir, a scratch directory that is removed at exit (and the current one),
# and the helpers every check uses.
# shellcheck shell=bash
dnagrad=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # absolute: the checks run in $work
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

check() { echo "check: $*"; }
fail() {
  echo "FAILED: $*" >&2
  exit 1
}
# Runs the command, which must fail; its messages are kept in err.txt for message_has.
must_fail() {
  if "$@" >out.txt 2>err.txt; then fail "expected a failure: $*"; fi
}
message_has() {
  grep -qF -- "$1" err.txt || fail "the message does not mention '$1': $(cat err.txt)"
}
no_file() { [ ! -e "$1" ] || fail "$1 was written although the command failed"; }

# Writes seqs.fa (COUNT random sequences of 20 bases, awk's generator seeded with SEED) and
# labels.tsv (name<TAB>at): the label is the number of A and T, which reverse complementing keeps.
write_at_fixture() {
  awk -v seed="$1" -v count="$2" 'BEGIN {
    srand(seed)
    print "name\tat" > "labels.tsv"
    for (i = 1; i <= count; i++) {
      s = ""; at = 0
      for (j = 0; j < 20; j++) {
        b = substr("ACGT", int(rand() * 4) + 1, 1); s = s b
        if (b == "A" || b == "T") at++
      }
      print ">seq" i > "seqs.fa"; print s > "seqs.fa"
      print "seq" i "\t" at > "labels.tsv"
    }
  }'
}

# The numeric checks of some cli tests read .npy and safetensors files with python3's standard
# library. python3 is a test dependency (scripts/install-deps.sh), so without it they fail.
require_python3() {
  command -v python3 >/dev/null ||
    fail "python3 is needed for this test's numeric checks; scripts/install-deps.sh installs it"
}
