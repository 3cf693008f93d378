#!/bin/bash
# The simulated cluster's memory while a user lists its 50,000 pods with the
# real kubectl (bench/README.md, "Lists from the stored bytes"): runs the
# 50,000-pod scenario and, once every pod runs (t=40s), three lists in turn,
# printing the sim process's RSS after each and the run's summary.
#
#   bench/sim_list_memory.sh [spillway binary] [work dir]
set -euo pipefail
binary=${1:-bazel-bin/spillway}
dir=${2:-$(mktemp -d)}
log="$dir/sim.log"
mkdir -p "$dir"
/usr/bin/time -v "$binary" sim --scenario=testdata/scenarios/scale-50k.yaml --check --view=lines \
  --report="$dir/report.html" --work-dir="$dir" > "$log" 2>&1 &
runner=$!
sim=""
until [[ -n "$sim" ]]; do sleep 1; sim=$(pgrep -P "$runner" || true); done
until grep -q "t=40s" "$log"; do
  kill -0 "$sim" 2>/dev/null || { tail -20 "$log"; exit 1; }
  sleep 2
done
server=$(grep -o "http://127.0.0.1:[0-9]*" "$log" | head -1)
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$sim/status"; }
timed() {
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  printf "%.1f s" "$(echo "$end - $start" | bc)"
}
echo "every pod running: $(rss)"
took=$(timed kubectl --server="$server" get pods -A -o json)
echo "after kubectl get pods -A -o json (pages of 500, $took): $(rss)"
took=$(timed kubectl --server="$server" get pods -A)
echo "after kubectl get pods -A (a table, $took): $(rss)"
took=$(timed kubectl --server="$server" get pods -A -o json --chunk-size=0)
echo "after kubectl get pods -A -o json --chunk-size=0 ($took): $(rss)"
wait "$runner" || true
grep -E "Checks|time: |Maximum resident" "$log"
