#!/usr/bin/env bash
# Checks the ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations: gcc
# (the Bazel build) ignores them, clang's -Wthread-safety analysis reads them.
# Every library source (not tests, fuzzers, benchmarks or tools) is compiled
# with Debian's clang 14, syntax only, warnings as errors. Prints each
# finding and exits non-zero when there is one. Run by tools/run_tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# The generated protobuf/gRPC headers the sources include.
bazel build //proto:all >/dev/null 2>&1

clang=$(command -v clang++-14 || command -v clang++)
git ls-files '*.cc' | grep -v '_test\.cc$' | grep -vE '^(bench|third_party|tools)/|/fuzz/' > .thread-safety-files
count=$(wc -l < .thread-safety-files)
# xargs exits 123 when any compile failed; the output says which.
if xargs -P2 -n6 "$clang" -std=c++17 -fsyntax-only -march=haswell -DSIMDJSON_THREADS_ENABLED=1 \
     -I. -Ibazel-bin -Wthread-safety -Werror=thread-safety -Wno-unknown-warning-option \
     < .thread-safety-files > .thread-safety-out.log 2>&1; then
  echo "thread safety: $count library sources checked with $("$clang" --version | head -1 | sed 's/ (.*//'), -Wthread-safety: clean"
  rm -f .thread-safety-files
  exit 0
fi
cat .thread-safety-out.log
echo "thread safety: findings above ($count sources checked)"
rm -f .thread-safety-files
exit 1
