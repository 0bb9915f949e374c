#!/usr/bin/env bash
# Models from an architecture file (ctest label "cli"), on a tiny table written here:
#   - `model show` prints the hand-computed shapes, parameters, receptive fields, multiply-adds;
#   - `train --model-config` trains the file's model for one epoch, and predict, evaluate, ism and
#     attribute rebuild it from the checkpoint alone (no --model);
#     (PyTorch parity of the built model: tests/test_arch_torch.cpp, on a committed fixture);
#   - the same object as "architecture" inside --config trains too;
#   - a misspelt key and an impossible shape fail naming the key's place or the layer, and
#     train writes nothing.
# Usage: test_arch.sh DNAGRAD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=tests/cli/common.sh
source "$(dirname "$0")/common.sh" "$@"

write_at_fixture 11 40  # seqs.fa, labels.tsv: 40 sequences of 20 bases, label A+T
layers='[
    {"type": "conv", "filters": 8, "kernel": 5, "padding": "same"},
    {"type": "batchnorm"}, {"type": "relu"}, {"type": "maxpool", "kernel": 2},
    {"type": "conv", "filters": 4, "kernel": 3}, {"type": "relu"},
    {"type": "flatten"}, {"type": "dropout", "p": 0.2}, {"type": "head"}]'
echo "{\"name\": \"tiny\", \"layers\": $layers}" >arch.json

check "model show: shapes, parameters, receptive fields and multiply-adds per sequence"
"$dnagrad" model show arch.json --length 20 >show.txt 2>err.txt ||
  fail "model show failed: $(cat err.txt)"
# conv k5 "same": [8, 20], 8*4*5 + 8 = 168 parameters, 160*20 = 3200 multiply-adds, 5 bases;
# batchnorm: 16 parameters, 8*20 = 160; maxpool 2: [8, 10], 6 bases; conv k3: [4, 8],
# 4*8*3 + 4 = 100 parameters, 96*8 = 768, 6 + 2*2 = 10 bases; head: 32 + 1 = 33, 32, all 20.
for row in '^0 +conv +\[8, 20\] +168 +5 +3200$' '^1 +batchnorm +\[8, 20\] +16 +5 +160$' \
  '^3 +maxpool +\[8, 10\] +0 +6 +0$' '^4 +conv +\[4, 8\] +100 +10 +768$' \
  '^6 +flatten +\[32\] +0 +10 +0$' '^8 +head +\[1\] +33 +20 +32$' '^total +317 +4160$'; do
  grep -qE "$row" show.txt || fail "model show has no row matching '$row': $(cat show.txt)"
done

check "model show takes a zoo model given by an architecture file"
"$dnagrad" model show deepstarr --length 249 --outputs 2 >zoo.txt 2>err.txt ||
  fail "model show deepstarr failed: $(cat err.txt)"
# 246*4*7+246 + 492 + 60*246*3+60 + 120 + 60*60*5+60 + 120 + 120*60*3+120 + 240
# + 1800*256+256 + 512 + 256*256+256 + 512 + 256*2+2 = 620612, and 249 -> 124 -> 62 -> 31 -> 15.
grep -qE '^total +620612 ' zoo.txt || fail "deepstarr is not 620612 parameters: $(cat zoo.txt)"
grep -qE '^conv\.15 +maxpool +\[120, 15\] ' zoo.txt || fail "deepstarr's last pool: $(cat zoo.txt)"

check "train --model-config trains the file's model and records it in the checkpoint"
"$dnagrad" train --model-config arch.json --fasta seqs.fa --labels labels.tsv --epochs 1 \
  --out run --quiet >train.txt 2>&1 || fail "train failed: $(cat train.txt)"
[ -s run/best.safetensors ] || fail "train wrote no run/best.safetensors: $(ls run)"
grep -q '"architecture"' run/best.safetensors || fail "the checkpoint does not record the model"

check "predict, evaluate, ism and attribute rebuild the model from the checkpoint alone"
"$dnagrad" predict --checkpoint run/best.safetensors --fasta seqs.fa --out p.tsv --quiet \
  2>err.txt || fail "predict failed: $(cat err.txt)"
[ "$(wc -l <p.tsv)" -eq 41 ] || fail "expected a header and 40 predictions: $(cat p.tsv)"
"$dnagrad" evaluate --checkpoint run/best.safetensors --fasta seqs.fa --labels labels.tsv \
  --quiet >eval.txt 2>err.txt || fail "evaluate failed: $(cat err.txt)"
"$dnagrad" ism --checkpoint run/best.safetensors --fasta seqs.fa --out ism.tsv --quiet \
  2>err.txt || fail "ism failed: $(cat err.txt)"
[ "$(wc -l <ism.tsv)" -eq $((1 + 40 * 20)) ] ||
  fail "expected a header and 40 x 20 positions in ism.tsv, got $(wc -l <ism.tsv) lines"
"$dnagrad" attribute --checkpoint run/best.safetensors --fasta seqs.fa --out attr.npy --quiet \
  2>err.txt || fail "attribute failed: $(cat err.txt)"
[ -s attr.npy ] || fail "attribute wrote no attr.npy"

check "the architecture inside --config trains the same way"
echo "{\"epochs\": 1, \"architecture\": {\"name\": \"tiny\", \"layers\": $layers}}" >config.json
"$dnagrad" train --config config.json --fasta seqs.fa --labels labels.tsv --out run2 --quiet \
  >train2.txt 2>&1 || fail "train --config failed: $(cat train2.txt)"
[ -s run2/best.safetensors ] || fail "train --config wrote no checkpoint"

check "a misspelt key fails naming its place in the file"
echo '{"layers": [{"type": "conv", "filters": 4, "kernal": 3}, {"type": "head"}]}' >bad.json
must_fail "$dnagrad" model show bad.json --length 20
message_has "bad.json: layers[0]: unknown key 'kernal' for a conv layer"
must_fail "$dnagrad" train --model-config bad.json --fasta seqs.fa --labels labels.tsv \
  --epochs 1 --out bad_run --quiet
message_has "unknown key 'kernal'"
no_file bad_run

check "an impossible shape fails naming the layer and the lengths"
echo '{"layers": [{"type": "conv", "filters": 4, "kernel": 15}, {"type": "maxpool", "kernel": 2},
  {"type": "conv", "filters": 4, "kernel": 5}, {"type": "flatten"}, {"type": "head"}]}' >short.json
must_fail "$dnagrad" train --model-config short.json --fasta seqs.fa --labels labels.tsv \
  --epochs 1 --out short_run --quiet
message_has "layer 2 (conv): kernel 5 spans 5 positions, more than the length 3"
message_has "layer 1 (maxpool)"
no_file short_run
echo "ok"
