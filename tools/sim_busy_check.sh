#!/usr/bin/env bash
# The simulated cluster's story idle and on a busy machine: runs a scenario
# RUNS times idle and RUNS times with HOGS busy loops (one per core here), and
# prints, per run, the checks line, the story (pods created per workload,
# scale-in victims on ECI and ECS, NoStock events, ECI pods per virtual node),
# the time dilation and how Spillway settled between passes. Exits 1 when a
# check was violated or two runs told different stories. ./spillway.sh test
# runs it at speed 2 (six runs, about five minutes); the figures in
# docs/simulated-cluster.md ("Time") come from it.
#   tools/sim_busy_check.sh [scenario] (env: RUNS=3 HOGS=2 SPEED=1 BINARY=bazel-bin/spillway)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-testdata/scenarios/burst-peak.yaml}
runs=${RUNS:-3}
hogs=${HOGS:-2}
speed=${SPEED:-1}
if [ -z "${BINARY:-}" ]; then
  bazel build //:spillway >/dev/null 2>&1
  BINARY=bazel-bin/spillway
fi
# A copy, so a build meanwhile does not replace the binary under a run.
binary=$(mktemp /tmp/spillway-busy-XXXXXX)
cp "$BINARY" "$binary"
chmod 755 "$binary"
hog_pids=()
stop_hogs() {
  for pid in "${hog_pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  hog_pids=()
}
trap 'stop_hogs; rm -f "$binary"' EXIT

stories=()
failed=0
logs=$(mktemp -d /tmp/sim-busy-logs-XXXXXX)
run=0
one_run() {
  local label=$1 log status=0 story
  run=$((run + 1))
  log="$logs/run-$run-$label.log"
  "$binary" sim --scenario="$scenario" --speed="$speed" --view=lines --check --report= >"$log" 2>&1 || status=$?
  [ "$status" -eq 0 ] || failed=1
  story="$(grep -m1 'pods created per workload' "$log" | sed 's/.*pods created per workload: //')"
  story+=" | ECI victims $(grep -m1 'scale-in victims on ECI' "$log" | awk '{print $NF}')"
  story+=", ECS victims $(grep -m1 'scale-in victims on ECS' "$log" | awk '{print $NF}')"
  story+=" | NoStock $(grep -m1 'NoStock events' "$log" | awk '{print $NF}')"
  story+=" | $(grep 'ECI pods started on' "$log" | sed 's/.*started on //' | tr -s ' ' | paste -sd, -)"
  stories+=("$story")
  printf '%-4s exit=%d | %s | %s | %s | %s\n' "$label" "$status" "$(grep -m1 '^Checks:' "$log")" "$story" \
    "$(grep -m1 '  time:' "$log" | sed 's/.*(dilation/dilation/; s/)//')" \
    "$(grep -m1 'spillway settled in' "$log" | sed 's/^ *//')"
  [ "$status" -eq 0 ] || tail -20 "$log"
}

for _ in $(seq "$runs"); do one_run idle; done
for _ in $(seq "$hogs"); do (while :; do :; done) & hog_pids+=($!); done
for _ in $(seq "$runs"); do one_run busy; done
stop_hogs
different=$(printf '%s\n' "${stories[@]}" | sort -u | wc -l)
if [ "$failed" -ne 0 ] || [ "$different" -ne 1 ]; then
  echo "sim_busy_check: FAILED ($different different stories in ${#stories[@]} runs; a check violated: $failed); logs in $logs"
  exit 1
fi
rm -rf "$logs"
echo "sim_busy_check: the same story in all ${#stories[@]} runs, every check held"
