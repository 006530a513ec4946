#!/usr/bin/env bash
# Measure `ccaudit audit` on a generated snapshot of many targets (default
# 5,000), built from the bundled scenarios' targets under new names.
# Usage: scripts/bench.sh [TARGETS]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-5000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$count" "$work/snapshot.json" <<'PY'
import json, sys, glob
count, out = int(sys.argv[1]), sys.argv[2]
pool = []
for path in sorted(glob.glob("fixtures/scenarios/*/snapshot.json")):
    pool.extend(json.load(open(path))["targets"])
targets = []
for i in range(count):
    t = json.loads(json.dumps(pool[i % len(pool)]))
    t["name"] = f"{t['name']}-{i:06d}"
    targets.append(t)
json.dump({"schema": "ccaudit/snapshot/v1", "targets": targets}, open(out, "w"))
PY

cargo build --release --quiet
binary="${CARGO_TARGET_DIR:-target}/release/ccaudit"
size=$(du -h "$work/snapshot.json" | cut -f1)
echo "snapshot: $count targets, $size"
for format in json table; do
  /usr/bin/time -f "audit --format $format: %e s wall, %M KiB max RSS" \
    "$binary" audit "$work/snapshot.json" --format "$format" --fail-on none > /dev/null
done
one="$work/one.json"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['targets']=d['targets'][:1]; json.dump(d, open(sys.argv[2],'w'))" "$work/snapshot.json" "$one"
/usr/bin/time -f "one target, process start to exit: %e s wall, %M KiB max RSS" \
  "$binary" audit "$one" --fail-on none > /dev/null
