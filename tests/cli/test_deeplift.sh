#!/usr/bin/env bash
# `dnagrad attribute --method deepliftshap` end to end (ctest label "cli"), on the PyTorch-made
# promoter checkpoint of tests/fixtures (4 sequences of 2,000 bp; seq2 has N's):
#   - every sequence's convergence delta is reported ('#' lines of the .tsv) and is below 1e-3,
#     with no warning;
#   - dinucleotide shuffles are seeded: the same --seed gives the same file, another seed another;
#   - --raw summed over the 4 channels of a one-hot column equals the projected contribution
#     there, and --hypothetical at the observed base equals it too (python3);
#   - --references refs.fa runs with the same references for every sequence;
#   - on the captum fixture (tests/fixtures/make_deeplift_fixture.py: our cnn-classifier made in
#     PyTorch, float32), --raw equals captum's DeepLiftShap within 1e-6 (python3);
#   - bad combinations and references of the wrong length fail naming the option, writing nothing.
# Usage: test_deeplift.sh DNAGRAD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=tests/cli/common.sh
source "$(dirname "$0")/common.sh" "$@"
require_python3

cp "$src/tests/fixtures/promoter_torch.fa" seqs.fa
model=(--model promoter --checkpoint "$src/tests/fixtures/promoter_torch.safetensors")
run() { "$dnagrad" attribute "${model[@]}" --fasta seqs.fa --method deepliftshap "$@"; }

check "deepliftshap: convergence deltas reported per sequence and small, no warning"
run --shuffles 3 --seed 5 --out proj.tsv 2>err.txt || fail "deepliftshap failed: $(cat err.txt)"
[ "$(grep -c '^# convergence delta seq' proj.tsv)" = 4 ] || fail "4 delta lines: $(head proj.tsv)"
grep -q '^# deepliftshap: contributions projected on the observed bases' proj.tsv ||
  fail "no note of what the file holds: $(head -3 proj.tsv)"
awk '/^# convergence delta/ { d = $5 < 0 ? -$5 : $5; if (d > 1e-3) bad = 1 } END { exit bad }' \
  proj.tsv || fail "a convergence delta above 1e-3: $(grep '^# conv' proj.tsv)"
grep -q 'convergence delta seq1' err.txt || fail "stderr lacks the deltas: $(cat err.txt)"
if grep -q warning err.txt; then fail "unexpected warning: $(cat err.txt)"; fi

check "deepliftshap: shuffles are seeded"
run --shuffles 3 --seed 5 --quiet --out again.npy 2>err.txt || fail "$(cat err.txt)"
run --shuffles 3 --seed 5 --quiet --out same.npy 2>err.txt || fail "$(cat err.txt)"
run --shuffles 3 --seed 6 --quiet --out other.npy 2>err.txt || fail "$(cat err.txt)"
cmp -s again.npy same.npy || fail "the same seed gave different contributions"
if cmp -s again.npy other.npy; then fail "another seed gave the same contributions"; fi

check "deepliftshap: --raw and --hypothetical agree with the projected contributions"
run --shuffles 3 --seed 5 --quiet --raw --out raw.npy 2>err.txt || fail "$(cat err.txt)"
run --shuffles 3 --seed 5 --quiet --hypothetical --out hyp.npy 2>err.txt || fail "$(cat err.txt)"
python3 - <<'EOF' || fail "raw / hypothetical / projected disagree"
import ast, struct
def npy(path):
    data = open(path, "rb").read()
    n = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + n].decode())
    shape = header["shape"]
    count = 1
    for s in shape: count *= s
    return shape, struct.unpack("<%df" % count, data[10 + n:10 + n + 4 * count])
shape, proj = npy("again.npy"); _, raw = npy("raw.npy"); _, hyp = npy("hyp.npy")
n, _, L = shape
worst = 0.0
for i in range(n):
    for p in range(L):
        at = [(i * 4 + b) * L + p for b in range(4)]
        observed = [e for e in at if proj[e] != 0]
        if not observed: continue  # an N column, or a contribution of exactly 0
        column = sum(raw[e] for e in at)
        worst = max(worst, abs(column - proj[observed[0]]), abs(hyp[observed[0]] - proj[observed[0]]))
print("largest difference", worst)
assert worst < 1e-6, worst
EOF

check "deepliftshap: --references, the same for every sequence"
awk '/^>seq3/ { keep = 1; print; next } /^>/ { keep = 0 } keep' seqs.fa >refs.fa
awk '/^>seq4/ { keep = 1; print; next } /^>/ { keep = 0 } keep' seqs.fa >>refs.fa
run --references refs.fa --out refs.tsv 2>err.txt || fail "--references failed: $(cat err.txt)"
grep -q "against the references of refs.fa" refs.tsv || fail "$(head -3 refs.tsv)"

check "deepliftshap: --raw equals captum's DeepLiftShap on the PyTorch-made cnn-classifier"
cp "$src/tests/fixtures/deeplift_x.fa" captum_x.fa  # a copy: the .fai is built next to it
"$dnagrad" attribute --model cnn-classifier --length 64 --outputs 1 --quiet \
  --checkpoint "$src/tests/fixtures/deeplift_state_f32.safetensors" \
  --fasta captum_x.fa --method deepliftshap \
  --references "$src/tests/fixtures/deeplift_refs.fa" --raw --out captum.npy 2>err.txt ||
  fail "deepliftshap on the captum fixture failed: $(cat err.txt)"
EXPECTED="$src/tests/fixtures/deeplift_expected.safetensors" python3 - <<'EOF' ||
import json, os, struct
data = open("captum.npy", "rb").read()
n = struct.unpack("<H", data[8:10])[0]
ours = struct.unpack("<768f", data[10 + n:10 + n + 4 * 768])
blob = open(os.environ["EXPECTED"], "rb").read()
size = struct.unpack("<Q", blob[:8])[0]
entry = json.loads(blob[8:8 + size])["attributions_f32"]
begin, end = entry["data_offsets"]
captum = struct.unpack("<768f", blob[8 + size + begin:8 + size + end])
worst = max(abs(a - b) for a, b in zip(ours, captum))
print("max |--raw - captum| (float32)", worst)
assert worst < 1e-6, worst
EOF
  fail "--raw differs from captum's DeepLiftShap by more than 1e-6"

check "deepliftshap: bad options fail, naming them, and write nothing"
printf '>short\nACGTACGTAC\n' >short.fa
must_fail run --references short.fa --out bad1.tsv
message_has "--references"
no_file bad1.tsv
must_fail run --raw --hypothetical --out bad2.tsv
message_has "--hypothetical"
no_file bad2.tsv
must_fail "$dnagrad" attribute "${model[@]}" --fasta seqs.fa --raw --out bad3.tsv
message_has "--method deepliftshap"
no_file bad3.tsv
must_fail run --rc-average --out bad4.tsv
message_has "--rc-average"
no_file bad4.tsv
echo "all deeplift CLI checks passed"
