#!/usr/bin/env bash
# Runs every test: `bazel test //...` (unit, end-to-end over HTTP, the real
# binary, fuzz-corpus replay), then a short libFuzzer run, and ends with one
# line 'N passed, M failed' counting test cases. Exit status 0 only when all pass.
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

python3 tools/count_tests.py "$log" "$(bazel info bazel-testlogs 2>/dev/null)" \
  --extra "libfuzzer:request_fuzzer=$request_result" --extra "libfuzzer:admission_fuzzer=$admission_result"
count_status=$?
if [ "$bazel_status" -ne 0 ] || [ "$count_status" -ne 0 ]; then exit 1; fi
exit 0
