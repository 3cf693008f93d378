#!/usr/bin/env bash
# Runs every test: `bazel test //...` (unit, end-to-end over HTTP, the real
# binary, fuzz-corpus replay), then a short libFuzzer run, the image test, the demo and the
# simulated cluster on a busy machine, and ends with one line 'N passed, M failed' counting
# test cases (plus the fuzzers, clang's thread-safety analysis, the image, the demo and the
# busy-machine check, one each). Exit status 0 only when all pass.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

bazel test //... 2>&1 | tee "$log"
bazel_status=${PIPESTATUS[0]}

# Both fuzz targets run in one script; a failure names the target that failed.
request_result=passed
admission_result=passed
if ! tools/run_fuzzer.sh > .fuzz-out.log 2>&1; then
  tail -40 .fuzz-out.log
  if grep -q "^Done [0-9]* runs" .fuzz-out.log; then admission_result=failed; else request_result=failed; admission_result=failed; fi
else
  grep -E "^Done [0-9]+ runs" .fuzz-out.log || true
fi

# The lock annotations, checked by clang (gcc ignores them).
thread_safety_result=passed
if ! tools/thread_safety_check.sh > .thread-safety.log 2>&1; then
  tail -40 .thread-safety.log
  thread_safety_result=failed
else
  tail -1 .thread-safety.log
fi

# The image, built offline FROM scratch and run with podman as deploy/ runs it.
image_result=passed
if ! /usr/bin/python3 tools/image_test.py > .image-test.log 2>&1; then
  tail -40 .image-test.log
  image_result=failed
else
  tail -1 .image-test.log
fi

# The main job, as a user runs it: the demo must finish and show each part
# working (the simulated cluster's invariants all held — `spillway sim --check`
# exits non-zero otherwise — a rescue, the ElasticWorkload split, a webhook
# refusal and warning, spillway explain on the rescued pod).
demo_result=passed
if ! tools/demo.sh > .demo-out.log 2>&1 ||
   ! grep -qE "^Checks: [0-9]+ held, 0 violated" .demo-out.log ||
   ! grep -q "^report: spillway-sim-report.html" .demo-out.log ||
   ! grep -q "Unschedulable rescue: pod" .demo-out.log ||
   ! grep -q "ElasticWorkload (replicas 6): source 4" .demo-out.log ||
   ! grep -q "refused: .*denied the request" .demo-out.log ||
   ! grep -q "Warning: this pod asks for ECI" .demo-out.log ||
   ! grep -q "Rescue:     already_rescued" .demo-out.log; then
  demo_result=failed
  tail -40 .demo-out.log
fi

# The same story on a busy machine: the default scenario three times idle and
# three times beside two busy loops, at speed 2; every run's checks must hold
# and every run must tell the same story (tools/sim_busy_check.sh).
busy_result=passed
if ! SPEED=2 BINARY=bazel-bin/spillway tools/sim_busy_check.sh > .sim-busy.log 2>&1; then
  busy_result=failed
  tail -40 .sim-busy.log
else
  cat .sim-busy.log
fi

python3 tools/count_tests.py "$log" "$(bazel info bazel-testlogs 2>/dev/null)" \
  --extra "libfuzzer:request_fuzzer=$request_result" --extra "libfuzzer:admission_fuzzer=$admission_result" \
  --extra "clang:thread_safety=$thread_safety_result" --extra "image:podman_run=$image_result" --extra "demo:main_job=$demo_result" \
  --extra "sim:same_story_busy=$busy_result"
count_status=$?
if [ "$bazel_status" -ne 0 ] || [ "$count_status" -ne 0 ]; then exit 1; fi
exit 0
