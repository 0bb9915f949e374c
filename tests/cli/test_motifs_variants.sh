#!/usr/bin/env bash
# `dnagrad motifs` and `dnagrad variant-effect` end to end (ctest label "cli"), on a checkpoint
# written here byte by byte: the course's tfbind model (Conv1d(4→32, k8) → ReLU → flatten →
# Linear) for 8-base inputs whose filter 0 is set by hand to TATAAAA (+1 for the motif's base,
# -1 for the others, 0 at position 8) and whose output is that filter's ReLU. So
#   - motifs recovers TATAAAA from sequences with planted copies (and JASPAR's TBP matches it);
#   - a variant's prediction is known by hand: 7 on a perfect TATAAAA window, 2 less per broken
#     base, and never below 0.
# Usage: test_motifs_variants.sh DNAGRAD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=tests/cli/common.sh
source "$(dirname "$0")/common.sh" "$@"
jaspar="$src/../shared/data/jaspar/selected_TFs.meme"

# ---- the checkpoint (safetensors: u64 LE header length, JSON header, little-endian F32 data) --
u64le() { for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $((($1 >> (8 * i)) & 255)))"; done; }
one='\x00\x00\x80\x3f' minus_one='\x00\x00\x80\xbf' zero='\x00\x00\x00\x00'
header='{"__metadata__":{"model":"tfbind","input_length":"8","outputs":"1"},'\
'"conv.weight":{"dtype":"F32","shape":[32,4,8],"data_offsets":[0,4096]},'\
'"conv.bias":{"dtype":"F32","shape":[32],"data_offsets":[4096,4224]},'\
'"linear.weight":{"dtype":"F32","shape":[1,32],"data_offsets":[4224,4352]},'\
'"linear.bias":{"dtype":"F32","shape":[1],"data_offsets":[4352,4356]}}'
{
  u64le ${#header}
  printf '%s' "$header"
  tata=TATAAAA
  for base in A C G T; do  # conv.weight[0]: [4, 8], rows A C G T
    for j in 0 1 2 3 4 5 6 7; do
      if [ "$j" -eq 7 ]; then printf "$zero"
      elif [ "${tata:j:1}" = "$base" ]; then printf "$one"
      else printf "$minus_one"; fi
    done
  done
  head -c $((31 * 32 * 4)) /dev/zero  # filters 1..31
  head -c $((32 * 4)) /dev/zero       # conv.bias
  printf "$one"                       # linear.weight: filter 0 ...
  head -c $((31 * 4)) /dev/zero       # ... only
  printf "$zero"                      # linear.bias
} >tata.safetensors

# ---- motifs ----------------------------------------------------------------------------------
# 40 random sequences of 30 to 44 bases (awk's generator, fixed seed), each with TATAAAA planted.
awk 'BEGIN {
  srand(11)
  for (i = 1; i <= 40; i++) {
    n = 30 + int(rand() * 15); s = ""
    for (j = 0; j < n; j++) s = s substr("ACGT", int(rand() * 4) + 1, 1)
    at = int(rand() * (n - 7))
    print ">seq" i; print substr(s, 1, at) "TATAAAA" substr(s, at + 8)
  }
}' >seqs.fa

check "motifs recovers the hand-set TATAAAA filter and matches it to JASPAR"
# A missing data file fails the check (never skips it).
[ -f "$jaspar" ] || fail "the JASPAR file is missing: $jaspar (the shared data folder)"
"$dnagrad" motifs --checkpoint tata.safetensors --fasta seqs.fa --out m --jaspar "$jaspar" \
  --quiet 2>err.txt || fail "motifs failed: $(cat err.txt)"
grep -q '^MOTIF filter0 TATAAAA' m/filters.meme ||
  fail "filter0 is not TATAAAA: $(grep '^MOTIF filter0' m/filters.meme)"
[ "$(grep -c '^MOTIF filter' m/filters.meme)" -eq 32 ] || fail "filters.meme does not hold 32 motifs"
grep -q '<svg' m/filter_logos.svg || fail "filter_logos.svg is not an SVG"
! grep -q 'E=' m/filters.meme || fail "filters.meme gives filters an E-value: $(grep -m1 'E=' m/filters.meme)"
[ "$(head -n 1 m/jaspar_matches.tsv)" = "$(printf 'filter\tbest_id\tbest_name\tstrand\toffset\toverlap\tsimilarity\tp_value\te_value\tq_value\tsignificant_matches\tsecond_id\tsecond_similarity\tsecond_q_value')" ] ||
  fail "bad jaspar_matches.tsv header: $(head -n 1 m/jaspar_matches.tsv)"
[ "$(wc -l <m/jaspar_matches.tsv)" -eq 33 ] || fail "jaspar_matches.tsv is not a header and 32 rows"
[ "$(awk -F'\t' '$1 == "filter0" { print $2 " " $3 }' m/jaspar_matches.tsv)" = "MA0108.3 TBP" ] ||
  fail "filter0's best JASPAR match is not TBP: $(grep '^filter0' m/jaspar_matches.tsv)"
awk -F'\t' '$1 == "filter0" && $10 <= 0.05 && $9 < 1 { ok = 1 } END { exit !ok }' m/jaspar_matches.tsv ||
  fail "filter0's TBP match is not significant (q <= 0.05, E < 1): $(grep '^filter0' m/jaspar_matches.tsv)"
# Filters 1..31 are all zero: no sites, nothing to match.
[ "$(grep -c $'^filter[0-9]*\t\\.\t' m/jaspar_matches.tsv)" -eq 31 ] ||
  fail "the empty filters should have no match: $(cat m/jaspar_matches.tsv)"

check "motifs with an unknown --layer-name fails listing the Conv1d layers, writing nothing"
must_fail "$dnagrad" motifs --checkpoint tata.safetensors --fasta seqs.fa --out m2 \
  --layer-name linear
message_has "no Conv1d layer named 'linear'"
message_has "conv"
no_file m2

check "motifs with a bad JASPAR file fails naming file and line, writing nothing"
printf 'MEME version 4\n\nMOTIF X\nletter-probability matrix: w= 1\n 0.5 0.5 0.5\n' >bad.meme
must_fail "$dnagrad" motifs --checkpoint tata.safetensors --fasta seqs.fa --out m3 --jaspar bad.meme
message_has "bad.meme:5"
no_file m3

# ---- variant-effect --------------------------------------------------------------------------
# chr1 holds TATAAAA at 0-based 4..10. The variant at POS 9 (0-based 8) has the 8-base window
# [8 - 4, 8 + 4) = TATAAAAC, prediction 7; putting C or G at its index 4 breaks one base: 5.
# Reverse complements (GTTTTATA, GTTGTATA, ...) score below 0, so on both strands the
# predictions are 3.5 and 2.5.
printf '>chr1\nCCCCTATAAAACCCCCCCCC\n>chr2\nACGTACGTAC\n' >genome.fa
printf '%s\n' '##fileformat=VCFv4.2' \
  $'#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO' \
  $'chr1\t9\tv1\tA\tC,G\t.\t.\t.' \
  $'chr1\t1\tfirst\tC\tT\t.\t.\t.' \
  $'chr1\t5\tins\tT\tTA\t.\t.\t.' \
  $'chr1\t6\tbad\tG\tC\t.\t.\t.' \
  $'chrZ\t3\tnochr\tA\tC\t.\t.\t.' \
  $'chr1\t20\tlast\tC\tA\t.\t.\t.' >in.vcf

check "variant-effect scores SNVs as known by hand and reports what it skipped"
"$dnagrad" variant-effect --checkpoint tata.safetensors --fasta genome.fa --vcf in.vcf \
  --out effects.tsv 2>err.txt || fail "variant-effect failed: $(cat err.txt)"
expected=$(printf '%s\n' $'chrom\tpos\tid\tref\talt\tpred_ref\tpred_alt\tdelta' \
  $'chr1\t9\tv1\tA\tC\t7\t5\t-2' \
  $'chr1\t9\tv1\tA\tG\t7\t5\t-2' \
  $'chr1\t1\tfirst\tC\tT\t0\t0\t0' \
  $'chr1\t20\tlast\tC\tA\t0\t0\t0')
[ "$(cat effects.tsv)" = "$expected" ] || fail "effects.tsv differs: $(cat effects.tsv)"
message_has "in.vcf:5: chr1:5: ALT 'TA' not supported yet"
message_has "in.vcf:6: chr1:6: VCF REF 'G' but the genome has 'A'"
message_has "in.vcf:7: chrZ:3: chromosome 'chrZ' is not in genome.fa"
message_has "6 records, 7 ALT alleles: 4 scored, 1 skipped (REF mismatch), 1 not supported"
[ "$(grep -c '^warning: ' err.txt)" -eq 3 ] || fail "expected 3 warning lines: $(cat err.txt)"

if nvidia-smi -L > /dev/null 2>&1; then
  check "variant-effect --device cuda gives the CPU's scores"
  "$dnagrad" variant-effect --checkpoint tata.safetensors --fasta genome.fa --vcf in.vcf \
    --out effects_gpu.tsv --device cuda --quiet 2>/dev/null || fail "variant-effect on cuda failed"
  [ "$(cat effects_gpu.tsv)" = "$expected" ] || fail "effects_gpu.tsv differs: $(cat effects_gpu.tsv)"
else
  check "without a GPU, variant-effect --device cuda fails clearly and writes nothing"
  must_fail "$dnagrad" variant-effect --checkpoint tata.safetensors --fasta genome.fa \
    --vcf in.vcf --out effects_gpu.tsv --device cuda
  message_has "--device"
  no_file effects_gpu.tsv
fi

check "variant-effect --rc-average adds the both-strand columns; --batch-size 1 changes nothing"
"$dnagrad" variant-effect --checkpoint tata.safetensors --fasta genome.fa --vcf in.vcf \
  --out rc.tsv --rc-average --quiet 2>/dev/null || fail "variant-effect --rc-average failed"
[ "$(sed -n 2p rc.tsv)" = "$(printf 'chr1\t9\tv1\tA\tC\t7\t5\t-2\t3.5\t2.5\t-1')" ] ||
  fail "bad --rc-average line: $(sed -n 2p rc.tsv)"
"$dnagrad" variant-effect --checkpoint tata.safetensors --fasta genome.fa --vcf in.vcf \
  --out rc1.tsv --rc-average --batch-size 1 --quiet 2>/dev/null || fail "--batch-size 1 failed"
cmp -s rc.tsv rc1.tsv || fail "--batch-size 1 gave other numbers: $(diff rc.tsv rc1.tsv)"

check "variant-effect fails on a malformed VCF naming file and line, writing nothing"
{ head -n 3 in.vcf; printf 'chr1\tnine\tx\tA\tC\t.\t.\t.\n'; } >bad.vcf
must_fail "$dnagrad" variant-effect --checkpoint tata.safetensors --fasta genome.fa --vcf bad.vcf \
  --out bad.tsv
message_has "bad.vcf:4"
no_file bad.tsv

check "variant-effect with an output index the model lacks fails, writing nothing"
must_fail "$dnagrad" variant-effect --checkpoint tata.safetensors --fasta genome.fa --vcf in.vcf \
  --out bad2.tsv --output-index 1
message_has "--output-index 1"
no_file bad2.tsv

echo "all motifs and variant-effect checks passed"
