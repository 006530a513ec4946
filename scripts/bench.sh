#!/usr/bin/env bash
# Measure `ccaudit audit` (release build) on a generated snapshot of many
# targets (default 5,000). The mix cycles through every scenario target and
# every rule case's target (the guide-following target with the case's JSON
# Patch applied), so IAM-heavy and quota-heavy targets are in it. Beside the
# audit it times a parse-only pass of the same file (examples/parse_snapshot.rs)
# and prints the ratio; each figure is the median of RUNS runs (default 5),
# with the peak RSS (the audit streams the snapshot: it should not grow with
# TARGETS; try 50000). The first run also builds the example in release, which
# links the dev-dependencies: allow about a quarter of an hour once.
# Usage: scripts/bench.sh [TARGETS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-5000}"
runs="${2:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$count" "$work/snapshot.json" <<'PY'
import copy, glob, json, sys

def pointer(path):
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]

def apply(doc, ops):
    # RFC 6902, the operations the rule cases use.
    for op in ops:
        *parents, last = pointer(op["path"])
        node = doc
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        kind = op["op"]
        if isinstance(node, list):
            index = len(node) if last == "-" else int(last)
            if kind == "add":
                node.insert(index, op["value"])
            elif kind == "remove":
                del node[index]
            elif kind == "replace":
                node[index] = op["value"]
            else:
                raise SystemExit(f"bench: unsupported JSON Patch op {kind}")
        elif kind in ("add", "replace"):
            node[last] = op["value"]
        elif kind == "remove":
            del node[last]
        else:
            raise SystemExit(f"bench: unsupported JSON Patch op {kind}")
    return doc

count, out = int(sys.argv[1]), sys.argv[2]
pool = []
for path in sorted(glob.glob("fixtures/scenarios/*/snapshot.json")):
    pool.extend(json.load(open(path))["targets"])
base = json.load(open("fixtures/scenarios/guide-production/snapshot.json"))["targets"][0]
for path in sorted(glob.glob("fixtures/rule-cases/*.json")):
    for case in json.load(open(path))["cases"]:
        pool.append(apply(copy.deepcopy(base), case["patch"]))
targets = []
for i in range(count):
    t = copy.deepcopy(pool[i % len(pool)])
    t["name"] = f"{t['name']}-{i:06d}"
    targets.append(t)
json.dump({"schema": "ccaudit/snapshot/v1", "targets": targets}, open(out, "w"))
print(f"mix: {len(pool)} distinct targets (scenarios and rule cases)")
PY

cargo build --release --quiet --bin ccaudit --example parse_snapshot
dir="${CARGO_TARGET_DIR:-target}/release"
binary="$dir/ccaudit"
parse="$dir/examples/parse_snapshot"
size=$(du -h "$work/snapshot.json" | cut -f1)
echo "snapshot: $count targets, $size; median of $runs runs, release build"

# Median wall time and the largest max RSS of RUNS runs of a command;
# the median is kept under KEY for the ratios.
measure() {
  local key="$1" label="$2"
  shift 2
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -a -o "$work/times" "$@" > /dev/null
  done
  python3 - "$key" "$label" "$work/times" <<'PY'
import statistics, sys
key, label, path = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [line.split() for line in open(path) if line.strip()]
wall = statistics.median(float(r[0]) for r in rows)
rss = max(int(r[1]) for r in rows) / 1024
open(path + "." + key, "w").write(f"{wall}")
print(f"{label:<34} {wall:6.2f} s wall {rss:7.0f} MiB max RSS")
PY
  rm -f "$work/times"
}

measure parse "parse only (typed)" "$parse" "$work/snapshot.json"
measure json "audit --format json" "$binary" audit "$work/snapshot.json" --format json --fail-on none
measure table "audit --format table" "$binary" audit "$work/snapshot.json" --format table --fail-on none
measure only "audit --only sg-bitmovin-9999" "$binary" audit "$work/snapshot.json" --format json --only sg-bitmovin-9999 --fail-on none
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
read = lambda name: float(open(f"{work}/times.{name}").read())
parse, json_time = read("parse"), read("json")
if parse > 0:
    print(f"json / parse: {json_time / parse:.1f}x; table / json: {read('table') / json_time:.1f}x")
PY
one="$work/one.json"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['targets']=d['targets'][:1]; json.dump(d, open(sys.argv[2],'w'))" "$work/snapshot.json" "$one"
# /usr/bin/time counts in hundredths: time many runs of one target finer.
python3 - "$binary" "$one" <<'PY'
import statistics, subprocess, sys, time
binary, one = sys.argv[1], sys.argv[2]
times = []
for _ in range(30):
    start = time.perf_counter()
    subprocess.run([binary, "audit", one, "--fail-on", "none"], stdout=subprocess.DEVNULL, check=True)
    times.append(time.perf_counter() - start)
label = "one target, start to exit"
print(f"{label:<34} {statistics.median(times) * 1000:6.1f} ms wall (median of 30)")
PY
