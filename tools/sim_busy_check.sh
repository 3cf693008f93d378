#!/usr/bin/env bash
# The simulated cluster's story idle and on a busy machine: runs a scenario
# RUNS times idle and RUNS times with HOGS busy loops, and prints, per run,
# the checks line, the pods created per workload, the victims and the time
# dilation, so differences stand out. Not part of ./spillway.sh test (two
# runs of the default scenario take over three minutes); the figures in
# docs/simulated-cluster.md ("Time") come from it.
#   tools/sim_busy_check.sh [scenario] (env: RUNS=3 HOGS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-testdata/scenarios/burst-peak.yaml}
runs=${RUNS:-3}
hogs=${HOGS:-2}
bazel build //:spillway >/dev/null 2>&1
binary=$(mktemp /tmp/spillway-busy-XXXXXX)
cp bazel-bin/spillway "$binary"
chmod 755 "$binary"
hog_pids=()
stop_hogs() {
  for pid in "${hog_pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  hog_pids=()
}
trap 'stop_hogs; rm -f "$binary"' EXIT

one_run() {
  local label=$1 log
  log=$(mktemp)
  local status=0
  "$binary" sim --scenario="$scenario" --view=lines --check --report= >"$log" 2>&1 || status=$?
  printf '%-6s exit=%d | %s | %s | %s | %s\n' "$label" "$status" \
    "$(grep -m1 '^Checks:' "$log")" \
    "$(grep -m1 'pods created per workload' "$log" | sed 's/.*pods created per workload: //')" \
    "$(grep -m1 'scale-in victims on ECI' "$log" | awk '{print "ECI victims " $NF}')" \
    "$(grep -m1 '  time:' "$log" | sed 's/.*(dilation/dilation/; s/)//')"
  rm -f "$log"
}

for i in $(seq "$runs"); do one_run idle; done
for _ in $(seq "$hogs"); do (while :; do :; done) & hog_pids+=($!); done
for i in $(seq "$runs"); do one_run busy; done
stop_hogs
