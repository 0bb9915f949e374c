#!/usr/bin/env bash
# `dnagrad ism` and `dnagrad attribute` end to end (ctest label "cli"), on the PyTorch-made
# promoter checkpoint of tests/fixtures (4 sequences of 2,000 bp; seq2 has N's at 0-based 3, 907,
# 1020, 1021 and 1800):
#   - ism's .npy matches PyTorch's ISM of seq1 and seq2 over [900, 1100) within 1e-4;
#   - the .tsv layout: header, 1-based positions, reference bases (N at an N), 0 at the reference
#     base and 4 substitutions at an N; the TSV and the .npy hold the same numbers, and the
#     batched method gives the incremental method's, and --device cuda (with a GPU) the CPU's;
#   - attribute: grad-x-input is saliency times the one-hot input, and --rc-average is strand
#     symmetric (the reverse-complement FASTA gives the same attribution, flipped);
#   - --svg writes one well-formed map per sequence, at most --svg-count;
#   - without a GPU, --device cuda fails naming --device;
#   - bad inputs fail with a non-zero exit and a message naming the value, and write nothing.
# The numeric checks parse .npy and safetensors with python3's standard library (a test
# dependency: scripts/install-deps.sh installs it; without it the test fails).
# Usage: test_interpret.sh DNAGRAD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=tests/cli/common.sh
source "$(dirname "$0")/common.sh" "$@"

cp "$src/tests/fixtures/promoter_torch.fa" seqs.fa  # a copy: the .fai is built next to it
expected="$src/tests/fixtures/promoter_torch_expected.safetensors"
model=(--model promoter --checkpoint "$src/tests/fixtures/promoter_torch.safetensors" --quiet)
require_python3
# The helpers the python checks share: .npy and safetensors readers (standard library only).
cat >arrays.py <<'EOF'
import ast, json, struct

def npy(path):
    blob = open(path, "rb").read()
    assert blob[:8] == b"\x93NUMPY\x01\x00", "%s is not an .npy file (version 1.0)" % path
    size = struct.unpack("<H", blob[8:10])[0]
    header = ast.literal_eval(blob[10:10 + size].decode("latin1"))
    assert header["descr"] == "<f4" and not header["fortran_order"], header
    count = 1
    for d in header["shape"]:
        count *= d
    data = blob[10 + size:]
    assert len(data) == 4 * count, "%s: %d data bytes for shape %s" % (path, len(data), header)
    return tuple(header["shape"]), struct.unpack("<%df" % count, data)

def safetensor(path, name):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    entry = json.loads(blob[8:8 + n])[name]
    assert entry["dtype"] == "F32", entry
    b, e = entry["data_offsets"]
    return tuple(entry["shape"]), struct.unpack("<%df" % ((e - b) // 4), blob[8 + n + b:8 + n + e])
EOF

check "ism --out .npy matches PyTorch's ISM and writes maps"
"$dnagrad" ism "${model[@]}" --fasta seqs.fa --start 900 --end 1100 --out ism.npy --svg maps \
  --svg-count 3 2>err.txt || fail "ism failed: $(cat err.txt)"
[ "$(ls maps)" = "$(printf '1_seq1.svg\n2_seq2.svg\n3_seq3.svg')" ] ||
  fail "expected the maps 1_seq1.svg 2_seq2.svg 3_seq3.svg (--svg-count 3), got: $(ls maps)"
python3 - ism.npy "$expected" maps/*.svg <<'EOF' || fail "ism.npy differs from PyTorch's ISM"
import sys, xml.etree.ElementTree as ET
from arrays import npy, safetensor
shape, got = npy(sys.argv[1])
assert shape == (4, 4, 200), shape
want_shape, want = safetensor(sys.argv[2], "ism")
assert want_shape == (2, 4, 200), want_shape  # seq1 and seq2: the first 2 * 4 * 200 values
worst = max(abs(a - b) for a, b in zip(got, want))
print("  largest |dnagrad - PyTorch| = %.3g over %d ISM values" % (worst, len(want)))
assert worst <= 1e-4
for path in sys.argv[3:]:
    root = ET.parse(path).getroot()  # throws unless well-formed
    assert root.tag.endswith("svg") and "positions 901" in ET.tostring(root, "unicode"), path
EOF

check "ism --out .tsv: name pos ref dA dC dG dT, 0 at the reference, 4 values at an N"
"$dnagrad" ism "${model[@]}" --fasta seqs.fa --start 900 --end 1100 --out ism.tsv 2>err.txt ||
  fail "ism failed: $(cat err.txt)"
[ "$(head -n 1 ism.tsv)" = "$(printf 'name\tpos\tref\tdA\tdC\tdG\tdT')" ] ||
  fail "bad header: $(head -n 1 ism.tsv)"
[ "$(wc -l <ism.tsv)" -eq 801 ] || fail "ism.tsv has $(wc -l <ism.tsv) lines, expected 801"
# The FASTA's sequences on one line each, uppercased: base p (1-based) is substr(seq, p, 1).
awk '/^>/ { if (s) print s; s = ""; next } { s = s toupper($0) } END { print s }' seqs.fa >flat.txt
awk -F '\t' 'function bad(why) { print "row " FNR ": " why; failed = 1; exit 1 }
  NR == FNR { seq["seq" FNR] = $0; next }
  FNR == 1 { next }
  {
    n = FNR - 2; name = "seq" (int(n / 200) + 1); pos = 901 + n % 200
    if ($1 != name || $2 != pos) bad($1 " " $2 ", expected " name " " pos)
    base = substr(seq[$1], $2, 1); if (base !~ /[ACGT]/) base = "N"
    if ($3 != base) bad("ref " $3 ", the FASTA has " base)
    zeros = 0; for (c = 4; c <= 7; c++) zeros += ($c == 0)
    if ($3 == "N" && zeros != 0) bad("an N with a 0 among its 4 substitutions")
    ref_column = index("ACGT", $3) + 3
    if ($3 != "N" && (zeros != 1 || $ref_column != 0)) bad("the reference is not the one 0")
    if ($3 == "N") ns = ns " " $1 ":" $2
  }
  END { if (!failed && ns != " seq2:908 seq2:1021 seq2:1022") { print "N rows:" ns; exit 1 } }' \
  flat.txt ism.tsv >awk.txt || fail "ism.tsv: $(cat awk.txt)"

check "the batched method gives the incremental method's numbers"
"$dnagrad" ism "${model[@]}" --fasta seqs.fa --start 1000 --end 1010 --method batched \
  --out batched.tsv 2>err.txt || fail "ism --method batched failed: $(cat err.txt)"
python3 - ism.npy ism.tsv batched.tsv <<'EOF' || fail "ism.tsv, batched.tsv and ism.npy disagree"
import sys
from arrays import npy
shape, values = npy(sys.argv[1])
def rows(path):
    return {(r[0], int(r[1])): [float(v) for v in r[3:]]
            for r in (line.rstrip("\n").split("\t") for line in list(open(path))[1:])}
tsv, batched = rows(sys.argv[2]), rows(sys.argv[3])
worst = 0
for n in range(4):
    for j in range(200):
        for b in range(4):
            tsv_value = tsv["seq%d" % (n + 1), 901 + j][b]
            worst = max(worst, abs(tsv_value - values[(n * 4 + b) * 200 + j]))
assert worst <= 1e-8, "tsv vs npy: %g" % worst
assert len(batched) == 40
worst = max(abs(a - b) for key in batched for a, b in zip(batched[key], tsv[key]))
print("  largest |batched - incremental| = %.3g" % worst)
assert worst <= 1e-6
EOF

if nvidia-smi -L > /dev/null 2>&1; then
  check "ism --device cuda gives the CPU's numbers"
  "$dnagrad" ism "${model[@]}" --fasta seqs.fa --start 1000 --end 1010 --device cuda \
    --out cuda.tsv 2>err.txt || fail "ism --device cuda failed: $(cat err.txt)"
  python3 - batched.tsv cuda.tsv <<'EOF' || fail "cuda.tsv and batched.tsv disagree"
import sys
def rows(path):
    return {(r[0], int(r[1])): [float(v) for v in r[3:]]
            for r in (line.rstrip("\n").split("\t") for line in list(open(path))[1:])}
cpu, gpu = rows(sys.argv[1]), rows(sys.argv[2])
assert len(gpu) == 40 and gpu.keys() == cpu.keys()
worst = max(abs(a - b) for key in cpu for a, b in zip(cpu[key], gpu[key]))
print("  largest |cuda - cpu| = %.3g" % worst)
assert worst <= 1e-5
EOF
else
  check "without a GPU, ism and attribute --device cuda fail clearly; nothing is written"
  must_fail "$dnagrad" ism "${model[@]}" --fasta seqs.fa --device cuda --out cuda.npy
  message_has "--device"
  no_file cuda.npy
  must_fail "$dnagrad" attribute "${model[@]}" --fasta seqs.fa --device cuda:0 --out cuda.tsv
  message_has "--device"
  no_file cuda.tsv
fi

check "attribute: grad-x-input = saliency * x, the TSV header, and --rc-average strand symmetry"
for method in saliency grad-x-input; do
  "$dnagrad" attribute "${model[@]}" --fasta seqs.fa --method $method --out $method.npy \
    2>err.txt || fail "attribute --method $method failed: $(cat err.txt)"
done
"$dnagrad" attribute "${model[@]}" --fasta seqs.fa --method grad-x-input --start 5 --end 7 \
  --out gxi.tsv 2>err.txt || fail "attribute to .tsv failed: $(cat err.txt)"
[ "$(head -n 1 gxi.tsv)" = "$(printf 'name\tpos\tref\tA\tC\tG\tT')" ] ||
  fail "bad header: $(head -n 1 gxi.tsv)"
[ "$(wc -l <gxi.tsv)" -eq 9 ] || fail "gxi.tsv has $(wc -l <gxi.tsv) lines, expected 9"
# The reverse complement of every record (keeping case), on one line.
awk 'function rc(t, i, out, k) {
    out = ""
    for (i = length(t); i >= 1; i--) {
      k = index("ACGTNacgtn", substr(t, i, 1)); out = out substr("TGCANtgcan", k, 1)
    }
    return out
  }
  /^>/ { if (s) print rc(s); print; s = ""; next } { s = s $0 } END { print rc(s) }' \
  seqs.fa >rc.fa
for fasta in seqs rc; do
  "$dnagrad" attribute "${model[@]}" --fasta $fasta.fa --rc-average --out rc_$fasta.npy \
    2>err.txt || fail "attribute --rc-average failed: $(cat err.txt)"
done
python3 - "$expected" <<'EOF' || fail "the attributions are not consistent"
import sys
from arrays import npy, safetensor
_, x = safetensor(sys.argv[1], "x")  # the one-hot input [4, 4, 2000]
shape, saliency = npy("saliency.npy")
assert shape == (4, 4, 2000), shape
_, gxi = npy("grad-x-input.npy")
worst = max(abs(g - s * v) for g, s, v in zip(gxi, saliency, x))
assert worst <= 1e-12, "grad-x-input vs saliency * x: %g" % worst
assert max(abs(s) for s in saliency) > 0
rows = [line.rstrip("\n").split("\t") for line in list(open("gxi.tsv"))[1:]]
for n in range(4):
    for j in range(2):
        row = rows[n * 2 + j]
        assert row[:2] == ["seq%d" % (n + 1), str(6 + j)], row
        want = [gxi[(n * 4 + b) * 2000 + 5 + j] for b in range(4)]
        assert all(abs(float(a) - b) <= 1e-6 * abs(b) + 1e-12 for a, b in zip(row[3:], want)), row
_, forward = npy("rc_seqs.npy")
_, reverse = npy("rc_rc.npy")
worst = max(abs(forward[(n * 4 + b) * 2000 + p] - reverse[(n * 4 + 3 - b) * 2000 + 1999 - p])
            for n in range(4) for b in range(4) for p in range(2000))
print("  largest |attribution - flipped attribution of the reverse complement| = %.3g" % worst)
assert worst <= 1e-7
EOF

check "a window outside the input fails naming it; nothing is written"
must_fail "$dnagrad" ism "${model[@]}" --fasta seqs.fa --start 1900 --end 2100 --out bad1.npy \
  --svg bad_maps
message_has "--end 2100"
message_has "2000 bases"
no_file bad1.npy
no_file bad_maps
must_fail "$dnagrad" attribute "${model[@]}" --fasta seqs.fa --start 10 --end 10 --out bad2.npy
message_has "--start 10 --end 10"
no_file bad2.npy

check "an output index beyond the model's outputs fails naming it"
must_fail "$dnagrad" attribute "${model[@]}" --fasta seqs.fa --output-index 1 --out bad3.tsv
message_has "--output-index 1"
message_has "1 output(s)"
no_file bad3.tsv

check "missing files and a bad --out name fail naming them"
must_fail "$dnagrad" ism "${model[@]}" --fasta missing.fa --out bad4.npy
message_has missing.fa
no_file bad4.npy
must_fail "$dnagrad" ism --model promoter --checkpoint nothing.safetensors --fasta seqs.fa \
  --out bad5.npy
message_has nothing.safetensors
no_file bad5.npy
must_fail "$dnagrad" attribute "${model[@]}" --fasta seqs.fa --out bad6.txt
message_has "bad6.txt"
message_has ".npy"
no_file bad6.txt
must_fail "$dnagrad" attribute "${model[@]}" --fasta seqs.fa --method ism --out bad7.npy
message_has "--method"
no_file bad7.npy

echo "all interpretation CLI checks passed"
