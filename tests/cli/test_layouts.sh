#!/usr/bin/env bash
# The data layouts people have (ctest label "cli", issue 14), each trained and applied:
#   - one FASTA per class (--fasta-per-class pos.fa=1 neg.fa=0, or text labels);
#   - a sequences file and a labels file, one per line (--sequences, --line-labels);
#   - a table without a header line (--table sequences.txt);
#   - text labels ("bound") anywhere: classes, their mapping printed, stored in the checkpoint
#     and used for predict's columns and evaluate's labels.
# Usage: test_layouts.sh DNAGRAD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=tests/cli/common.sh
source "$(dirname "$0")/common.sh" "$@"

# 30 random sequences of 64 bases (awk's generator, fixed seed), in every layout; class 1 /
# "bound" for the first 15.
awk 'BEGIN {
  srand(3)
  print "seq,label" > "table.csv"
  print "name\tlabel" > "text_labels.tsv"
  for (i = 1; i <= 30; i++) {
    s = ""
    for (j = 0; j < 64; j++) s = s substr("ACGT", int(rand() * 4) + 1, 1)
    bound = i <= 15
    print ">s" i > (bound ? "pos.fa" : "neg.fa"); print s > (bound ? "pos.fa" : "neg.fa")
    print ">s" i > "all.fa"; print s > "all.fa"
    print s > "sequences.txt"
    print bound > "labels.txt"
    print s "\t" (bound ? "bound" : "unbound") > "noheader.tsv"
    print s "," (bound ? "bound" : "unbound") > "table.csv"
    print "s" i "\t" (bound ? "bound" : "unbound") > "text_labels.tsv"
  }
}'
train() {
  "$dnagrad" train --model cnn-classifier --epochs 1 --split 0.6,0.2,0.2 --quiet "$@"
}

check "--fasta-per-class pos.fa=1 neg.fa=0 trains a binary classifier on both files"
train --fasta-per-class pos.fa=1 neg.fa=0 --out pc_run >train.txt 2>&1 ||
  fail "train failed: $(cat train.txt)"
grep -qF "task binary (inferred" train.txt || fail "no task note: $(cat train.txt)"
grep -qF '"sequences": 30' pc_run/metrics.json || fail "metrics.json does not hold 30 sequences"
[ "$(wc -l <pc_run/test_predictions.tsv)" -eq 7 ] || fail "test_predictions.tsv is not 6 rows"

check "text labels per class are classes: the mapping is printed, stored and used by predict"
train --fasta-per-class pos.fa=bound neg.fa=unbound --out pct_run >train.txt 2>&1 ||
  fail "train failed: $(cat train.txt)"
grep -qF "text labels are classes (sorted names): 0 = bound, 1 = unbound" train.txt ||
  fail "no class mapping: $(cat train.txt)"
grep -qF "task multiclass (inferred" train.txt || fail "no task note: $(cat train.txt)"
head -c 4000 pct_run/best.safetensors | grep -qaF '"class_names":"[\"bound\",\"unbound\"]"' ||
  fail "the checkpoint does not store the class names"
"$dnagrad" predict --checkpoint pct_run/best.safetensors --fasta all.fa --out pct.tsv --quiet \
  2>err.txt || fail "predict failed: $(cat err.txt)"
[ "$(head -n 1 pct.tsv)" = "$(printf 'name\tbound\tunbound')" ] ||
  fail "predict's columns are not the class names: $(head -n 1 pct.tsv)"
[ "$(wc -l <pct.tsv)" -eq 31 ] || fail "pct.tsv has $(wc -l <pct.tsv) lines, not 31"

check "two text classes trained as binary: predict's column is the probability of class 1"
train --fasta-per-class pos.fa=bound neg.fa=unbound --task binary --out pcb_run >train.txt 2>&1 ||
  fail "train --task binary failed: $(cat train.txt)"
"$dnagrad" predict --checkpoint pcb_run/best.safetensors --fasta all.fa --out pcb.tsv --quiet \
  2>err.txt || fail "predict failed: $(cat err.txt)"
[ "$(head -n 1 pcb.tsv)" = "$(printf 'name\tunbound')" ] ||
  fail "binary text classes: predict's header is $(head -n 1 pcb.tsv)"

check "evaluate maps text labels through the checkpoint's classes (one class only here)"
grep -v unbound text_labels.tsv >only_bound.tsv
"$dnagrad" evaluate --checkpoint pct_run/best.safetensors --fasta all.fa \
  --labels only_bound.tsv --quiet >ev.json 2>err.txt || fail "evaluate failed: $(cat err.txt)"
grep -qF '"sequences": 15' ev.json || fail "evaluate: $(cat ev.json)"
message_has "15 sequences in all.fa without a label in only_bound.tsv are not used"
{ head -n 3 text_labels.tsv; printf 's20\tweak\n'; } >new_class.tsv
must_fail "$dnagrad" evaluate --checkpoint pct_run/best.safetensors --fasta all.fa \
  --labels new_class.tsv --out ev2.json
message_has "class 'weak' is not one of the classes of pct_run/best.safetensors"
no_file ev2.json

check "a name in two per-class files, or an argument without =LABEL, fails naming them"
{ cat neg.fa; printf '>s3\nACGTACGTAC\n'; } >neg_dup.fa
must_fail train --fasta-per-class pos.fa=1 neg_dup.fa=0 --out dup_run
message_has "neg_dup.fa:31"
message_has "pos.fa:5"
message_has "'s3'"
no_file dup_run
must_fail train --fasta-per-class pos.fa neg.fa=0 --out bad_arg_run
message_has "--fasta-per-class 'pos.fa': expected FILE=LABEL"
no_file bad_arg_run

check "--sequences with --line-labels: one per line, rows named line_N"
train --sequences sequences.txt --line-labels labels.txt --out lines_run >train.txt 2>&1 ||
  fail "train failed: $(cat train.txt)"
grep -qF '"sequences": 30' lines_run/metrics.json || fail "metrics.json does not hold 30 sequences"
"$dnagrad" predict --checkpoint lines_run/best.safetensors --sequences sequences.txt \
  --out lines.tsv --quiet 2>err.txt || fail "predict failed: $(cat err.txt)"
[ "$(tail -n +2 lines.tsv | cut -f 1 | head -n 2 | tr '\n' ' ')" = "line_1 line_2 " ] ||
  fail "lines.tsv is not named by line: $(head -n 3 lines.tsv)"
[ "$(wc -l <lines.tsv)" -eq 31 ] || fail "lines.tsv has $(wc -l <lines.tsv) lines, not 31"

check "counts that differ, or a blank line inside, fail naming the files; nothing is written"
head -n 29 labels.txt >fewer.txt
must_fail train --sequences sequences.txt --line-labels fewer.txt --out fewer_run
message_has "fewer.txt: 29 labels for the 30 sequences of sequences.txt"
no_file fewer_run
{ head -n 3 labels.txt; echo; tail -n +4 labels.txt; } >blank.txt
must_fail train --sequences sequences.txt --line-labels blank.txt --out blank_run
message_has "blank.txt:4: blank line"
no_file blank_run

check "--table on a file without a header finds the sequence column and says so"
train --table noheader.tsv --out nh_run >train.txt 2>&1 || fail "train failed: $(cat train.txt)"
grep -qF "noheader.tsv: no header line (line 1 holds a sequence)" train.txt ||
  fail "no header note: $(cat train.txt)"
grep -qF '"sequences": 30' nh_run/metrics.json || fail "the header-less table lost a row"
cut -f 1 noheader.tsv >seqs_only.tsv
"$dnagrad" predict --checkpoint nh_run/best.safetensors --table seqs_only.tsv --out nh.tsv \
  --quiet 2>err.txt || fail "predict on a one-column table failed: $(cat err.txt)"
[ "$(wc -l <nh.tsv)" -eq 31 ] || fail "nh.tsv has $(wc -l <nh.tsv) lines, not 31"
must_fail train --table seqs_only.tsv --out seqs_only_run
message_has "seqs_only.tsv: no label columns besides 'seq'"
message_has "--sequences seqs_only.tsv --line-labels LABELS"
no_file seqs_only_run

check "a table with text labels (Genomic Benchmarks' seq,label) trains a classifier"
train --table table.csv --out csv_run >train.txt 2>&1 || fail "train failed: $(cat train.txt)"
grep -qF "0 = bound, 1 = unbound" train.txt || fail "no class mapping: $(cat train.txt)"

check "a table whose sequence column cannot be found still fails naming its columns"
printf 'a\tb\n1\t2\n' >nodna.tsv
must_fail "$dnagrad" predict --checkpoint nh_run/best.safetensors --table nodna.tsv --out x.tsv
message_has "no column 'seq' (columns: a, b)"
no_file x.tsv

# --scale (issue 14): a binary model's ISM, attributions and variant effects say their scale.
# sigmoid(logit(p) + d) - p for the logit ISM effect d of a sequence whose prediction is p.
on_probability_scale() {
  awk -F'\t' -v p="$1" -v d="$2" 'BEGIN { z = log(p / (1 - p)); printf "%.6f", 1 / (1 + exp(-(z + d))) - p }'
}

check "ism and attribute of a binary model: logit by default, --scale probability on request"
head -n 2 all.fa >one.fa
"$dnagrad" predict --checkpoint pc_run/best.safetensors --fasta one.fa --out one.tsv --quiet
p_ref=$(tail -n 1 one.tsv | cut -f 2)
"$dnagrad" ism --checkpoint pc_run/best.safetensors --fasta one.fa --out ism_logit.tsv --quiet \
  2>err.txt || fail "ism failed: $(cat err.txt)"
"$dnagrad" ism --checkpoint pc_run/best.safetensors --fasta one.fa --scale probability \
  --out ism_prob.tsv --quiet 2>err.txt || fail "ism --scale probability failed: $(cat err.txt)"
head -n 1 ism_logit.tsv | grep -qF "# scale: logit" || fail "ism_logit.tsv: $(head -n 1 ism_logit.tsv)"
head -n 1 ism_prob.tsv | grep -qF "# scale: probability" || fail "ism_prob.tsv: $(head -n 1 ism_prob.tsv)"
[ "$(sed -n 2p ism_prob.tsv)" = "$(printf 'name\tpos\tref\tdA\tdC\tdG\tdT')" ] ||
  fail "ism_prob.tsv header: $(sed -n 2p ism_prob.tsv)"
for row in 3 30 60; do
  for col in 4 5 6 7; do
    d=$(sed -n "${row}p" ism_logit.tsv | cut -f "$col")
    got=$(sed -n "${row}p" ism_prob.tsv | cut -f "$col")
    want=$(on_probability_scale "$p_ref" "$d")
    awk -v a="$got" -v b="$want" 'BEGIN { exit (a - b < 2e-5 && b - a < 2e-5) ? 0 : 1 }' ||
      fail "ism row $row col $col: probability effect $got, sigmoid says $want (p=$p_ref d=$d)"
  done
done
"$dnagrad" attribute --checkpoint pc_run/best.safetensors --fasta one.fa --out at_logit.tsv \
  --quiet 2>err.txt || fail "attribute failed: $(cat err.txt)"
"$dnagrad" attribute --checkpoint pc_run/best.safetensors --fasta one.fa --scale probability \
  --out at_prob.tsv --quiet 2>err.txt || fail "attribute --scale probability failed"
g=$(sed -n 3p at_logit.tsv | cut -f 4)
got=$(sed -n 3p at_prob.tsv | cut -f 4)
awk -v g="$g" -v got="$got" -v p="$p_ref" \
  'BEGIN { w = g * p * (1 - p); exit (got - w < 1e-6 + 1e-4 * (w < 0 ? -w : w) && w - got < 1e-6 + 1e-4 * (w < 0 ? -w : w)) ? 0 : 1 }' ||
  fail "attribution on the probability scale $got is not $g * p(1 - p) (p = $p_ref)"

check "--scale probability of a multiclass model fails before writing anything"
must_fail "$dnagrad" ism --checkpoint pct_run/best.safetensors --fasta one.fa --scale probability \
  --out mc.tsv
message_has "--scale probability: only a binary model"
no_file mc.tsv

check "variant-effect of a binary model: probability by default, --scale logit on request"
{ printf '>chr1\n'; grep -v '>' all.fa | tr -d '\n' | head -c 400; printf '\n'; } >genome.fa
ref=$(grep -v '>' genome.fa | cut -c 200)
alt=$( [ "$ref" = A ] && echo C || echo A )
printf '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t200\tv1\t%s\t%s\t.\t.\t.\n' \
  "$ref" "$alt" >one.vcf
"$dnagrad" variant-effect --checkpoint pc_run/best.safetensors --fasta genome.fa --vcf one.vcf \
  --out ve.tsv --quiet 2>err.txt || fail "variant-effect failed: $(cat err.txt)"
"$dnagrad" variant-effect --checkpoint pc_run/best.safetensors --fasta genome.fa --vcf one.vcf \
  --scale logit --out ve_logit.tsv --quiet 2>err.txt || fail "variant-effect --scale logit failed"
[ "$(head -n 1 ve.tsv)" = "# scale: probability" ] || fail "ve.tsv: $(head -n 1 ve.tsv)"
[ "$(head -n 1 ve_logit.tsv)" = "# scale: logit" ] || fail "ve_logit.tsv: $(head -n 1 ve_logit.tsv)"
p_ref=$(sed -n 3p ve.tsv | cut -f 6)
z_ref=$(sed -n 3p ve_logit.tsv | cut -f 6)
awk -v p="$p_ref" -v z="$z_ref" 'BEGIN { q = 1 / (1 + exp(-z)); exit (p - q < 1e-5 && q - p < 1e-5) ? 0 : 1 }' ||
  fail "variant-effect: pred_ref $p_ref is not sigmoid($z_ref)"

check "variant-effect streams: chunk by chunk the same rows; a bad record late leaves no file"
g=$(grep -v '>' genome.fa)
{
  printf '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n'
  for pos in 120 150 200 230 260 300; do
    r=$(echo "$g" | cut -c "$pos")
    printf 'chr1\t%s\tv%s\t%s\t%s\t.\t.\t.\n' "$pos" "$pos" "$r" "$( [ "$r" = G ] && echo T || echo G )"
  done
} >six.vcf
"$dnagrad" variant-effect --checkpoint pc_run/best.safetensors --fasta genome.fa --vcf six.vcf \
  --out ve_all.tsv --quiet 2>err.txt || fail "variant-effect failed: $(cat err.txt)"
"$dnagrad" variant-effect --checkpoint pc_run/best.safetensors --fasta genome.fa --vcf six.vcf \
  --chunk-records 2 --out ve_chunks.tsv --quiet 2>err.txt || fail "chunked failed: $(cat err.txt)"
[ "$(wc -l <ve_all.tsv)" -eq 8 ] || fail "ve_all.tsv has $(wc -l <ve_all.tsv) lines, not 8"
# The same rows; the numbers agree to float precision (batches of other sizes round apart).
[ "$(cut -f 1-5 ve_all.tsv)" = "$(cut -f 1-5 ve_chunks.tsv)" ] || fail "other rows in chunks"
paste ve_all.tsv ve_chunks.tsv | awk -F'\t' 'NR > 2 { for (k = 6; k <= 8; k++) {
    d = $k - $(k + 8); if (d > 1e-5 || d < -1e-5) exit 1 } }' ||
  fail "scoring 2 records at a time changed the effects: $(paste ve_all.tsv ve_chunks.tsv)"
{ cat six.vcf; printf 'chr1\tx\tbad\tA\tC\t.\t.\t.\n'; } >late_bad.vcf
must_fail "$dnagrad" variant-effect --checkpoint pc_run/best.safetensors --fasta genome.fa \
  --vcf late_bad.vcf --chunk-records 2 --out ve_bad.tsv
message_has "late_bad.vcf:9"
no_file ve_bad.tsv
[ -z "$(ls ve_bad.tsv* 2>/dev/null)" ] || fail "a temporary file was left: $(ls ve_bad.tsv*)"

echo "all layout checks passed"
