#!/usr/bin/env bash
# The dnagrad command line end to end (ctest label "cli"):
#   - train, predict and evaluate on a small FASTA + label table written here;
#   - bad inputs fail with a non-zero exit and a message naming the file, and leave no output;
#   - a checkpoint saved by PyTorch (tests/fixtures) predicts what PyTorch predicted.
# Usage: test_end_to_end.sh DNAGRAD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=tests/cli/common.sh
source "$(dirname "$0")/common.sh" "$@"

write_at_fixture 7 60  # seqs.fa, labels.tsv: 60 sequences of 20 bases, label A+T

check "train writes checkpoints, metrics and plots"
"$dnagrad" train --model kmer-cnn --fasta seqs.fa --labels labels.tsv --epochs 2 --lr 0.01 \
  --out run --quiet >train.txt 2>&1 || fail "train failed: $(cat train.txt)"
for f in last.safetensors best.safetensors trainer_state.safetensors metrics.json metrics.tsv \
  loss_curves.svg; do
  [ -s "run/$f" ] || fail "train did not write run/$f"
done
[ "$(grep -c '"epoch":' run/metrics.json)" -eq 2 ] || fail "metrics.json does not hold 2 epochs"
[ "$(wc -l <run/metrics.tsv)" -eq 3 ] || fail "metrics.tsv is not a header and 2 epochs"

check "predict reads the model from the checkpoint's metadata and writes one line per sequence"
"$dnagrad" predict --checkpoint run/best.safetensors --fasta seqs.fa --out p.tsv --quiet \
  2>err.txt || fail "predict failed: $(cat err.txt)"
[ "$(head -n 1 p.tsv)" = "$(printf 'name\tprediction')" ] || fail "bad header: $(head -n 1 p.tsv)"
[ "$(wc -l <p.tsv)" -eq 61 ] || fail "p.tsv has $(wc -l <p.tsv) lines, expected 61"
[ "$(tail -n +2 p.tsv | cut -f 1)" = "$(grep '>' seqs.fa | tr -d '>')" ] ||
  fail "p.tsv does not list the sequences in the FASTA's order"
not_numbers=$(tail -n +2 p.tsv | cut -f 2 | grep -cvE '^-?[0-9.]+(e[-+]?[0-9]+)?$' || true)
[ "$not_numbers" -eq 0 ] || fail "p.tsv holds $not_numbers predictions that are not numbers"

check "evaluate prints the loss and the metrics as JSON"
"$dnagrad" evaluate --checkpoint run/best.safetensors --fasta seqs.fa --labels labels.tsv \
  --out eval.json --quiet >eval.txt 2>err.txt || fail "evaluate failed: $(cat err.txt)"
for key in '"loss":' '"mse":' '"pearson":' '"sequences": 60' '"task": "regression"'; do
  grep -qF -- "$key" eval.txt || fail "evaluate's JSON has no $key: $(cat eval.txt)"
done
cmp -s eval.txt eval.json || fail "evaluate --out wrote something else than it printed"

check "predict with a missing FASTA fails naming it and writes nothing"
must_fail "$dnagrad" predict --checkpoint run/best.safetensors --fasta missing.fa --out p2.tsv
message_has missing.fa
no_file p2.tsv

check "predict with a missing checkpoint fails naming it"
must_fail "$dnagrad" predict --checkpoint nothing.safetensors --fasta seqs.fa --out p3.tsv
message_has nothing.safetensors
no_file p3.tsv

check "a label that is not a number fails naming file, line and value; nothing is written"
{ head -n 2 labels.tsv; printf 'seq2\tabc\n'; } >bad_labels.tsv
must_fail "$dnagrad" evaluate --checkpoint run/best.safetensors --fasta seqs.fa \
  --labels bad_labels.tsv --out bad_eval.json
message_has "bad_labels.tsv:3"
message_has "'abc'"
no_file bad_eval.json
must_fail "$dnagrad" train --model kmer-cnn --fasta seqs.fa --labels bad_labels.tsv --epochs 1 \
  --out bad_run --quiet
message_has "bad_labels.tsv:3"
no_file bad_run

if ! nvidia-smi -L > /dev/null 2>&1; then
  check "without a GPU, --device cuda fails clearly before any output"
  must_fail "$dnagrad" train --model kmer-cnn --fasta seqs.fa --labels labels.tsv --epochs 1 \
    --out cuda_run --device cuda --quiet
  message_has "--device"
  no_file cuda_run
  must_fail "$dnagrad" predict --checkpoint run/best.safetensors --fasta seqs.fa \
    --out cuda_preds.tsv --device cuda:0
  message_has "--device"
  no_file cuda_preds.tsv
fi

check "train --resume on an empty directory fails naming the missing state"
mkdir empty
must_fail "$dnagrad" train --model kmer-cnn --fasta seqs.fa --labels labels.tsv --epochs 1 \
  --out empty --resume --quiet
message_has "trainer_state.safetensors"
[ -z "$(ls -A empty)" ] || fail "train --resume wrote into the empty directory: $(ls empty)"

check "a PyTorch checkpoint without metadata needs --model"
cp "$src/tests/fixtures/promoter_torch.fa" .  # a copy: the .fai is built next to the FASTA
must_fail "$dnagrad" predict --checkpoint "$src/tests/fixtures/promoter_torch.safetensors" \
  --fasta promoter_torch.fa --out torch.tsv
message_has "--model"
no_file torch.tsv

check "with --model promoter it predicts what PyTorch predicted"
"$dnagrad" predict --checkpoint "$src/tests/fixtures/promoter_torch.safetensors" \
  --model promoter --fasta promoter_torch.fa --out torch.tsv --quiet 2>err.txt ||
  fail "predict failed: $(cat err.txt)"
[ "$(wc -l <torch.tsv)" -eq 5 ] || fail "torch.tsv has $(wc -l <torch.tsv) lines, expected 5"
require_python3
# safetensors: 8-byte little-endian header length, a JSON header, then raw little-endian data.
python3 - "$src/tests/fixtures/promoter_torch_expected.safetensors" torch.tsv <<'EOF' ||
import json, struct, sys
blob = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
entry = json.loads(blob[8:8 + n])["pred"]
assert entry["dtype"] == "F32", entry
begin, end = entry["data_offsets"]
want = struct.unpack("<%df" % ((end - begin) // 4), blob[8 + n + begin:8 + n + end])
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[2])][1:]
names, got = [r[0] for r in rows], [float(r[1]) for r in rows]
assert names == ["seq1", "seq2", "seq3", "seq4"], names
worst = max(abs(a - b) for a, b in zip(got, want))
print("  largest |dnagrad - PyTorch| = %.3g over %d predictions" % (worst, len(got)))
sys.exit(0 if len(got) == len(want) and worst <= 1e-4 else 1)
EOF
  fail "the predictions differ from PyTorch's by more than 1e-4: $(cat torch.tsv)"

echo "all CLI checks passed"
