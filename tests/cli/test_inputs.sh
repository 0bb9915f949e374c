#!/usr/bin/env bash
# Inputs as pipeline builders have them (ctest label "cli", issue 14): nothing is lost silently.
#   - duplicate names in a FASTA, a BED or a label table fail naming the file, both lines and
#     the name, and write nothing;
#   - a label table without a header line fails asking for one (or --no-header), and
#     --no-header reads every line as a row;
#   - FASTA records without a label are counted on stderr and in the JSON reports.
# Usage: test_inputs.sh DNAGRAD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=tests/cli/common.sh
source "$(dirname "$0")/common.sh" "$@"

write_at_fixture 11 40  # seqs.fa, labels.tsv: 40 sequences of 20 bases, label A+T
train() { "$dnagrad" train --model kmer-cnn --epochs 1 --lr 0.01 --quiet "$@"; }
train --fasta seqs.fa --labels labels.tsv --out run >train.txt 2>&1 ||
  fail "train failed: $(cat train.txt)"

check "a FASTA with two records of one name fails naming the file, both lines and the name"
{ cat seqs.fa; printf '>seq3\nACGTACGTACGTACGTACGT\n'; } >dup.fa
must_fail "$dnagrad" predict --checkpoint run/best.safetensors --fasta dup.fa --out dup.tsv
message_has "dup.fa:81"
message_has "line 5"
message_has "'seq3'"
no_file dup.tsv
must_fail train --fasta dup.fa --labels labels.tsv --out dup_run
message_has "dup.fa:81"
no_file dup_run

check "the duplicate is found again through the index built the first time (htslib left it out)"
[ -e dup.fa.fai ] || fail "the first run did not leave dup.fa's index"
must_fail "$dnagrad" predict --checkpoint run/best.safetensors --fasta dup.fa --out dup.tsv
message_has "dup.fa:81"
no_file dup.tsv

check "a BED with two regions of one name fails naming both lines"
{ printf '>chr1\n'; grep -v '>' seqs.fa | tr -d '\n'; printf '\n'; } >genome.fa
printf 'chr1\t0\t20\tr1\nchr1\t20\t40\tr2\nchr1\t40\t60\tr1\n' >dup.bed
must_fail "$dnagrad" predict --checkpoint run/best.safetensors --fasta genome.fa --bed dup.bed \
  --out bed.tsv
message_has "dup.bed:3"
message_has "dup.bed:1"
message_has "'r1'"
no_file bed.tsv

check "a label table with two rows of one name fails naming both lines"
{ cat labels.tsv; printf 'seq7\t3\n'; } >dup_labels.tsv
must_fail train --fasta seqs.fa --labels dup_labels.tsv --out dup_labels_run
message_has "dup_labels.tsv:42"
message_has "line 8"
message_has "'seq7'"
no_file dup_labels_run

check "a label table without a header fails asking for one or --no-header"
tail -n +2 labels.tsv >noheader.tsv
must_fail train --fasta seqs.fa --labels noheader.tsv --out noheader_run
message_has "noheader.tsv:1"
message_has "--no-header"
no_file noheader_run
must_fail "$dnagrad" evaluate --checkpoint run/best.safetensors --fasta seqs.fa \
  --labels noheader.tsv --out noheader.json
message_has "--no-header"
no_file noheader.json

check "text labels under a missing header: the header names a sequence"
tail -n +2 labels.tsv | awk -F'\t' '{ print $1 "\t" ($2 > 10 ? "high" : "low") }' >text_nh.tsv
must_fail train --fasta seqs.fa --labels text_nh.tsv --out text_nh_run
message_has "text_nh.tsv:1"
message_has "'seq1'"
message_has "--no-header"
no_file text_nh_run

check "--no-header reads every line as a row"
"$dnagrad" evaluate --checkpoint run/best.safetensors --fasta seqs.fa --labels noheader.tsv \
  --no-header --quiet >nh.json 2>err.txt || fail "evaluate --no-header failed: $(cat err.txt)"
grep -qF '"sequences": 40' nh.json || fail "evaluate --no-header lost rows: $(cat nh.json)"

check "FASTA records without a label are counted on stderr and in the JSON, not dropped silently"
head -n 38 labels.tsv >fewer.tsv  # header + 37 labels: seq38..seq40 have none
"$dnagrad" evaluate --checkpoint run/best.safetensors --fasta seqs.fa --labels fewer.tsv \
  --quiet >fewer.json 2>err.txt || fail "evaluate failed: $(cat err.txt)"
message_has "3 sequences in seqs.fa without a label in fewer.tsv are not used (first: 'seq38')"
grep -qF '"sequences": 37' fewer.json || fail "evaluate did not use 37 rows: $(cat fewer.json)"
grep -qF '"count": 3' fewer.json || fail "evaluate's JSON does not count the 3: $(cat fewer.json)"
train --fasta seqs.fa --labels fewer.tsv --out fewer_run >train.txt 2>&1 ||
  fail "train failed: $(cat train.txt)"
grep -qF "3 sequences in seqs.fa without a label" train.txt ||
  fail "train did not report the unlabelled sequences: $(cat train.txt)"
grep -qF '"count": 3' fewer_run/metrics.json || fail "metrics.json does not count the 3"

check "a label for a sequence the FASTA lacks fails naming the line and the name"
{ cat labels.tsv; printf 'seq99\t4\n'; } >extra.tsv
must_fail train --fasta seqs.fa --labels extra.tsv --out extra_run
message_has "extra.tsv:42"
message_has "'seq99'"
no_file extra_run

# Sequences of 50, 64 and 80 bases with the same labels, written by awk (fixed seed).
awk 'BEGIN {
  srand(5)
  print "name\tat" > "labels64.tsv"
  for (i = 1; i <= 30; i++) {
    s = ""; at = 0
    for (j = 0; j < 80; j++) {
      b = substr("ACGT", int(rand() * 4) + 1, 1); s = s b
      if ((b == "A" || b == "T") && j >= 8 && j < 72) at++
    }
    print ">s" i > "s80.fa"; print s > "s80.fa"
    print ">s" i > "s64.fa"; print substr(s, 9, 64) > "s64.fa"
    print ">s" i > "s50.fa"; print substr(s, 16, 50) > "s50.fa"
    print ">s" i > "mixed.fa"; print (i % 2 ? substr(s, 16, 50) : s) > "mixed.fa"
    print "s" i "\t" at > "labels64.tsv"
  }
}'

check "a model too long for the data: train's error suggests --length"
must_fail "$dnagrad" train --model cnn-classifier --task regression --fasta s50.fa \
  --labels labels64.tsv --epochs 1 --out short_run
message_has "at least 57 bases, got 50"
message_has "--length 57"
no_file short_run

check "a checkpoint trained with --length 64 records it (and how inputs were fitted)"
train --fasta s80.fa --labels labels64.tsv --length 64 --out run64 >train.txt 2>&1 ||
  fail "train --length 64 failed: $(cat train.txt)"
for key in '"input_length":"64"' '"length_policy":"center-fit"' '"alphabet":"ACGT"' \
  '"output_scale":"value"'; do
  head -c 4000 run64/best.safetensors | grep -qaF -- "$key" ||
    fail "the checkpoint's metadata has no $key"
done

check "it predicts 50 bp, 80 bp and mixed FASTA without extra flags, saying what it did"
"$dnagrad" predict --checkpoint run64/best.safetensors --fasta s64.fa --out p64.tsv --quiet \
  2>err.txt || fail "predict on 64 bp failed: $(cat err.txt)"
for len in 50 80; do
  "$dnagrad" predict --checkpoint run64/best.safetensors --fasta "s$len.fa" --out "p$len.tsv" \
    --quiet 2>err.txt || fail "predict on $len bp failed: $(cat err.txt)"
  [ "$(wc -l <"p$len.tsv")" -eq 31 ] || fail "p$len.tsv has $(wc -l <"p$len.tsv") lines, not 31"
  [ "$(tail -n +2 "p$len.tsv" | cut -f 1)" = "$(grep '>' "s$len.fa" | tr -d '>')" ] ||
    fail "p$len.tsv does not list s$len.fa's sequences in order"
  message_has "30 sequences ($len → 64 bases)"
done
grep -qF "centre-cropped 30 sequences (80 → 64 bases)" err.txt || fail "no crop note: $(cat err.txt)"
# The centre 64 bases of each 80 are the 64-base file's sequences: the same predictions.
[ "$(cut -f 2 p80.tsv)" = "$(cut -f 2 p64.tsv)" ] || fail "cropping 80 → 64 changed predictions"
"$dnagrad" predict --checkpoint run64/best.safetensors --fasta mixed.fa --out pmixed.tsv \
  --quiet 2>err.txt || fail "predict on mixed lengths failed: $(cat err.txt)"
message_has "centre-cropped 15 sequences (80 → 64 bases)"
message_has "N-padded 15 sequences (50 → 64 bases) at both ends to the model's input length"
[ "$(wc -l <pmixed.tsv)" -eq 31 ] || fail "pmixed.tsv has $(wc -l <pmixed.tsv) lines, not 31"

check "evaluate and ism take 50 bp input to the 64 bp model too"
"$dnagrad" evaluate --checkpoint run64/best.safetensors --fasta s50.fa --labels labels64.tsv \
  --quiet >e50.json 2>err.txt || fail "evaluate on 50 bp failed: $(cat err.txt)"
grep -qF '"sequences": 30' e50.json || fail "evaluate on 50 bp: $(cat e50.json)"
"$dnagrad" ism --checkpoint run64/best.safetensors --fasta s50.fa --out ism50.tsv --quiet \
  2>err.txt || fail "ism on 50 bp failed: $(cat err.txt)"
[ -s ism50.tsv ] || fail "ism wrote nothing"

check "a length the model cannot take names the wanted length and the option"
must_fail "$dnagrad" predict --checkpoint run64/best.safetensors --fasta s50.fa --length 50 \
  --out bad_len.tsv
message_has "--length 50"
message_has "exactly 64 bases"
no_file bad_len.tsv
must_fail "$dnagrad" predict --checkpoint run64/best.safetensors --fasta s50.fa --pad-with-mask \
  --out bad_len.tsv
message_has "drop --pad-with-mask"
no_file bad_len.tsv

awk -F'\t' 'NR == 1 { print "name\tbound"; next } { print $1 "\t" ($2 > 32 ? 1 : 0) }' \
  labels64.tsv >bound.tsv

check "0/1 labels without --model/--task: an error, not the promoter regression model"
must_fail "$dnagrad" train --fasta s64.fa --labels bound.tsv --epochs 1 --out bound_run
message_has "bound.tsv"
message_has "every label is 0 or 1"
message_has "'promoter' is a regression model (the default)"
message_has "--model cnn-classifier"
no_file bound_run

check "with a classifier the task is inferred from the labels and said on stderr"
"$dnagrad" train --model cnn-classifier --fasta s64.fa --labels bound.tsv --epochs 1 \
  --out bound_run --quiet >train.txt 2>&1 || fail "train failed: $(cat train.txt)"
grep -qF "task binary (inferred from the labels" train.txt || fail "no task note: $(cat train.txt)"
grep -qF '"task": "binary"' bound_run/metrics.json || fail "metrics.json: not binary"
grep -qF '"early_stopping": 10' bound_run/metrics.json || fail "early stopping is not on by default"

check "test_predictions.tsv names its columns as predict does"
"$dnagrad" predict --checkpoint bound_run/best.safetensors --fasta s64.fa --out pb.tsv --quiet \
  2>err.txt || fail "predict failed: $(cat err.txt)"
[ "$(head -n 1 bound_run/test_predictions.tsv)" = "$(printf 'name\tmeasured_bound\tprediction')" ] ||
  fail "test_predictions.tsv header: $(head -n 1 bound_run/test_predictions.tsv)"
[ "$(head -n 1 pb.tsv)" = "$(printf 'name\tprediction')" ] || fail "predict header: $(head -n 1 pb.tsv)"

check "a resume with other settings names the field that differs"
must_fail "$dnagrad" train --model cnn-classifier --fasta s64.fa --labels bound.tsv --epochs 2 \
  --lr 0.01 --out bound_run --resume --quiet
message_has "lr 0.001 → 0.01"
if grep -qF '"optimizer"' err.txt; then fail "the resume error dumps the configs: $(cat err.txt)"; fi

check "--pad-with-mask trains the promoter model on mixed lengths; predict pads the same way"
"$dnagrad" train --model promoter --fasta mixed.fa --labels labels64.tsv --pad-with-mask \
  --epochs 1 --no-rc-augment --out masked_run --quiet >train.txt 2>&1 ||
  fail "train --pad-with-mask failed: $(cat train.txt)"
head -c 4000 masked_run/best.safetensors | grep -qaF '"masked_pooling":"true"' ||
  fail "the checkpoint does not record the masked pooling"
head -c 4000 masked_run/best.safetensors | grep -qaF '"length_policy":"pad-with-mask"' ||
  fail "the checkpoint does not record the length policy"
"$dnagrad" predict --checkpoint masked_run/best.safetensors --fasta mixed.fa --out pm.tsv \
  --quiet 2>err.txt || fail "predict failed: $(cat err.txt)"
message_has "each batch padded to its longest sequence and masked"
[ "$(wc -l <pm.tsv)" -eq 31 ] || fail "pm.tsv has $(wc -l <pm.tsv) lines, not 31"
# Batches of one hold no padding: each sequence alone must get what it got in a padded batch.
"$dnagrad" predict --checkpoint masked_run/best.safetensors --fasta mixed.fa --out pm1.tsv \
  --batch-size 1 --quiet 2>err.txt || fail "predict --batch-size 1 failed: $(cat err.txt)"
paste pm.tsv pm1.tsv | awk -F'\t' 'NR > 1 { d = $2 - $4; d = d < 0 ? -d : d;
    m = $4 < 0 ? -$4 : $4; if ($1 != $3 || d > 1e-5 * m + 1e-6) { print; bad = 1 } }
  END { exit bad }' >diff.txt ||
  fail "padded-batch predictions differ from the sequences alone: $(head -3 diff.txt)"
must_fail train --fasta mixed.fa --labels labels64.tsv --pad-with-mask --out masked_kmer
message_has "--pad-with-mask: model 'kmer-cnn' takes inputs of one length only"
message_has "--length"
no_file masked_kmer

echo "all input checks passed"
