#!/usr/bin/env bash
# Sweeps and runs logged into a registry, read back (ctest label "cli"):
#   - `train --registry` logs each run: status, config, one row per epoch, final metrics;
#   - `runs list|show|compare|best --json` report them, and `best` picks the lowest value;
#   - a registry file that is not SQLite, and a metric no run has, fail before any output;
#   - `runs report`: a well-formed self-contained page with both plots;
#   - `sweep`: a 2 x 2 grid of 1-epoch runs, in-process and with --parallel 2 (the same numbers),
#     --resume (finished runs skipped, a failed one trained again), successive halving (which
#     runs are pruned, and a survivor equal to a straight run), bad sweep files.
# The registry is read through `dnagrad runs --json` (python3's json module parses it), not the
# sqlite3 shell, which scripts/install-deps.sh does not install.
# Usage: test_sweep.sh DNAGRAD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=tests/cli/common.sh
source "$(dirname "$0")/common.sh" "$@"

write_at_fixture 11 40  # seqs.fa, labels.tsv: 40 sequences of 20 bases, label A+T
train() {
  "$dnagrad" train --model kmer-cnn --fasta seqs.fa --labels labels.tsv --task regression \
    --threads 1 --quiet "$@" >>train.txt 2>&1 || fail "train $* failed: $(cat train.txt)"
}
# Prints what the Python expression EXPR says of the JSON on stdin (bound to j).
json_get() { python3 -c "import json, sys; j = json.load(sys.stdin); print($1)"; }

check "train --registry logs two runs with their epochs and final metrics"
train --epochs 2 --lr 0.01 --out a --registry runs.sqlite
train --epochs 1 --lr 0.001 --batch-size 8 --out b --registry runs.sqlite
"$dnagrad" runs list --registry runs.sqlite --json >list.json
[ "$(json_get 'len(j)' <list.json)" = 2 ] || fail "runs list: not 2 runs: $(cat list.json)"
[ "$(json_get '[r["status"] for r in j]' <list.json)" = "['finished', 'finished']" ] ||
  fail "runs list: statuses: $(cat list.json)"
[ "$(json_get '[r["epochs"] for r in j]' <list.json)" = "[2, 1]" ] ||
  fail "runs list: epochs: $(cat list.json)"
[ "$(json_get '[r["config"]["lr"] for r in j]' <list.json)" = "[0.01, 0.001]" ] ||
  fail "runs list: the configs' lr: $(cat list.json)"
[ "$(json_get 'j[1]["config"]["batch_size"]' <list.json)" = 8 ] ||
  fail "runs list: run 2's batch size: $(cat list.json)"

check "runs show: each epoch's val_loss is the one metrics.json reports"
"$dnagrad" runs show 1 --registry runs.sqlite --json >show.json
expected=$(json_get '[e["val_loss"] for e in j["history"]]' <a/metrics.json)
[ "$(json_get '[e["val_loss"] for e in j["epochs"]]' <show.json)" = "$expected" ] ||
  fail "runs show: val_loss per epoch is not $expected: $(cat show.json)"
[ "$(json_get 'j["final"]["best_epoch"]' <show.json)" = \
  "$(json_get 'float(j["best_epoch"])' <a/metrics.json)" ] || fail "runs show: best_epoch"

check "runs best: the finished run with the lowest best_val_loss, and --max the highest"
values=$(json_get '[r["final"]["best_val_loss"] for r in j]' <list.json)
lowest=$(json_get '[r["id"] for r in j if r["final"]["best_val_loss"] == min(x["final"]["best_val_loss"] for x in j)][0]' <list.json)
highest=$((3 - lowest))
"$dnagrad" runs best --registry runs.sqlite --json >best.json
[ "$(json_get 'j["id"]' <best.json)" = "$lowest" ] || fail "runs best: not run $lowest of $values"
"$dnagrad" runs best --registry runs.sqlite --max --json >best.json
[ "$(json_get 'j["id"]' <best.json)" = "$highest" ] || fail "runs best --max: not run $highest"

check "runs compare names the settings that differ"
"$dnagrad" runs compare 1 2 --registry runs.sqlite >compare.txt
grep -qF "run 2 vs 1: lr 0.01 → 0.001" compare.txt || fail "runs compare: $(cat compare.txt)"
grep -qF "run 2 vs 1: batch_size 64 → 8" compare.txt || fail "runs compare: $(cat compare.txt)"

check "errors: a file that is not SQLite, a missing registry, a metric no run has"
head -c 300 seqs.fa >notes.sqlite
must_fail "$dnagrad" train --model kmer-cnn --fasta seqs.fa --labels labels.tsv --epochs 1 \
  --out c --registry notes.sqlite --quiet
message_has "notes.sqlite"
message_has "not a database"
no_file c
must_fail "$dnagrad" runs list --registry missing.sqlite
message_has "missing.sqlite: no such registry file"
no_file missing.sqlite
must_fail "$dnagrad" runs best --registry runs.sqlite --metric val_auroc
message_has "no finished run has the metric 'val_auroc' (there are: best_epoch"
[ ! -s out.txt ] || fail "runs best printed output although it failed"

cat >sweep.json <<'JSON'
{"name": "lr-batch", "method": "grid",
 "base": {"model": "kmer-cnn", "task": "regression", "epochs": 1},
 "parameters": {"lr": {"values": [0.01, 0.001]}, "batch_size": {"values": [8, 32]}}}
JSON
sweep() {
  "$dnagrad" sweep --fasta seqs.fa --labels labels.tsv --quiet "$@" >>sweep.txt 2>&1 ||
    fail "sweep $* failed: $(cat sweep.txt)"
}

check "sweep: a 2 x 2 grid, one run after another, each in DIR/runs/<id>/"
sweep --config sweep.json --out grid --threads 1
"$dnagrad" runs list --registry grid/registry.sqlite --json >grid.json
[ "$(json_get '[(r["config"]["lr"], r["config"]["batch_size"], r["status"], r["epochs"]) for r in j]' \
  <grid.json)" = "[(0.01, 8, 'finished', 1), (0.01, 32, 'finished', 1), (0.001, 8, 'finished', 1), (0.001, 32, 'finished', 1)]" ] ||
  fail "sweep: the grid's runs: $(cat grid.json)"
for id in 1 2 3 4; do
  [ -s "grid/runs/$id/best.safetensors" ] || fail "sweep: no grid/runs/$id/best.safetensors"
  [ "$(json_get 'j["batch_size"]' <"grid/runs/$id/config.json")" = \
    "$(json_get "j[$id - 1][\"config\"][\"batch_size\"]" <grid.json)" ] ||
    fail "sweep: grid/runs/$id/config.json is not run $id's config"
done

check "runs report: one well-formed page, a row per run, the curves, the best run's config"
"$dnagrad" runs report --registry grid/registry.sqlite --out report.html >/dev/null
best=$("$dnagrad" runs best --registry grid/registry.sqlite --json | json_get 'j["id"]')
python3 - "$best" <<'PY' || fail "runs report: report.html"
import json, sys, xml.etree.ElementTree as ET
page = ET.parse("report.html").getroot()  # well-formed, or this raises
rows = page.findall(".//tbody/tr")
assert len(rows) == 4, len(rows)
svg = page.findall(".//{http://www.w3.org/2000/svg}svg")
assert len(svg) == 2 and "run 4" in ET.tostring(svg[0], encoding="unicode"), "no curve of run 4"
# Parallel coordinates: lr, batch_size and the loss as axes, one line per finished run.
lines = svg[1].findall(".//{http://www.w3.org/2000/svg}polyline")
assert len(lines) == 4, len(lines)
axes = [t.text for t in svg[1].iter("{http://www.w3.org/2000/svg}text")]
assert "batch_size" in axes and "lr" in axes and "best_val_loss" in axes, axes
heading = [h.text for h in page.iter("h2") if h.text.startswith("Best run")]
assert heading and heading[0].startswith("Best run: %s " % sys.argv[1]), heading
config = json.loads(page.find(".//pre").text)
assert config["model"] == "kmer-cnn" and config["epochs"] == 1, config
assert "http" not in open("report.html").read().replace("http://www.w3.org/2000/svg", ""), "a link out"
PY

check "sweep --parallel 2: the same runs, the same numbers (one thread each, as before)"
sweep --config sweep.json --out par --parallel 2 --threads 1
"$dnagrad" runs list --registry par/registry.sqlite --json >par.json
losses='[(r["config"]["lr"], r["config"]["batch_size"], r["final"]["best_val_loss"]) for r in j]'
[ "$(json_get "$losses" <par.json)" = "$(json_get "$losses" <grid.json)" ] ||
  fail "sweep --parallel: $(json_get "$losses" <par.json) != $(json_get "$losses" <grid.json)"
[ -s par/runs/1/train.log ] || fail "sweep --parallel: no par/runs/1/train.log"

check "sweep --resume: finished runs are skipped, a failed one is trained again"
cat >diverge.json <<'JSON'
{"base": {"model": "kmer-cnn", "task": "regression", "epochs": 1, "clip_grad_norm": 0},
 "parameters": {"lr": {"values": [0.01, 1e30]}}}
JSON
must_fail "$dnagrad" sweep --config diverge.json --out div --fasta seqs.fa --labels labels.tsv \
  --threads 1 --quiet
"$dnagrad" runs list --registry div/registry.sqlite --json >div.json
[ "$(json_get '[r["status"] for r in j]' <div.json)" = "['finished', 'failed']" ] ||
  fail "sweep: statuses after a diverging run: $(cat div.json)"
ended=$(json_get 'j[0]["end_time"]' <div.json)
sleep 1  # so that a second training of run 1 would show in its end time (seconds)
must_fail "$dnagrad" sweep --config diverge.json --out div --fasta seqs.fa --labels labels.tsv \
  --threads 1 --quiet --resume
grep -qF "2 runs, 1 to train" out.txt || fail "sweep --resume: $(cat out.txt)"
"$dnagrad" runs list --registry div/registry.sqlite --json >div2.json
[ "$(json_get 'j[0]["end_time"]' <div2.json)" = "$ended" ] || fail "sweep --resume retrained run 1"
[ "$(json_get "j[1]['start_time'] > '$ended' and j[1]['status']" <div2.json)" = failed ] ||
  fail "sweep --resume did not train run 2 again: $(cat div2.json)"
must_fail "$dnagrad" sweep --config sweep.json --out div --fasta seqs.fa --labels labels.tsv \
  --resume
message_has "sweep.json: not the sweep file"

check "sweep with halving: the two worst at epoch 1 are pruned; the others train on exactly"
cat >halving.json <<'JSON'
{"base": {"model": "kmer-cnn", "task": "regression", "epochs": 2},
 "parameters": {"lr": {"values": [0.03, 0.01, 0.003, 0.001]}},
 "halving": {"rungs": [1], "keep": 0.5}}
JSON
sweep --config halving.json --out halving --threads 1
"$dnagrad" runs list --registry halving/registry.sqlite --json >halving_runs.json
for id in 1 2 3 4; do
  "$dnagrad" runs show "$id" --registry halving/registry.sqlite --json |
    json_get '"%d %r" % (j["id"], j["epochs"][0]["val_loss"])'
done >rung1.txt
# The two lowest epoch-1 val losses go on (sort -g: by value, here never tied).
expected=$(sort -g -k2 rung1.txt | awk 'NR <= 2 {print $1 " finished 2"} NR > 2 {print $1 " pruned 1"}' | sort -n)
got=$(json_get '"\n".join("%d %s %d" % (r["id"], r["status"], r["epochs"]) for r in j)' <halving_runs.json)
[ "$got" = "$expected" ] || fail "halving: got
$got
expected (from epoch-1 val losses $(cat rung1.txt))
$expected"
# A run that went on through the rung ends as if trained in one go.
survivor=$(echo "$expected" | awk '$2 == "finished" {print $1; exit}')
lr=$(json_get "[r['config']['lr'] for r in j if r['id'] == $survivor][0]" <halving_runs.json)
train --epochs 2 --lr "$lr" --out straight --registry straight.sqlite
"$dnagrad" runs list --registry straight.sqlite --json >straight.json
[ "$(json_get 'j[0]["final"]["best_val_loss"]' <straight.json)" = \
  "$(json_get "[r['final']['best_val_loss'] for r in j if r['id'] == $survivor][0]" <halving_runs.json)" ] ||
  fail "halving: run $survivor's best val loss differs from one straight 2-epoch run"

check "sweep: bad sweep files and settings fail naming the key, with nothing written"
printf '{"parameters": {"learning_rate": {"values": [0.1]}}}' >bad.json
must_fail "$dnagrad" sweep --config bad.json --out bad --fasta seqs.fa --labels labels.tsv
message_has "bad.json: unknown parameter 'learning_rate'"
printf '{"parameters": {}}' >empty.json
must_fail "$dnagrad" sweep --config empty.json --out bad --fasta seqs.fa --labels labels.tsv
message_has "empty.json: the search space is empty"
must_fail "$dnagrad" sweep --config sweep.json --out bad --fasta seqs.fa --labels labels.tsv \
  --parallel 2 --threads 4096
message_has "--parallel 2 x --threads 4096"
no_file bad
must_fail "$dnagrad" sweep --config sweep.json --out bad --fasta seqs.fa --labels labels.tsv \
  --registry notes.sqlite
message_has "notes.sqlite"
message_has "not a database"
no_file bad
must_fail "$dnagrad" sweep --config sweep.json --out grid --fasta seqs.fa --labels labels.tsv
message_has "already holds a sweep"

echo "all sweep checks passed"
