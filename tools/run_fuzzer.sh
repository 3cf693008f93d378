#!/usr/bin/env bash
# Builds the extender's request-decoding fuzz target with clang's libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer, and runs it for
# ${FUZZ_SECONDS:-30} seconds over the seed corpus (testdata/extender,
# testdata/fuzz). Exits non-zero on the first crash, leak or sanitizer report;
# the reproducer is left in .fuzz-out/.
#
# Built outside Bazel because the project toolchain is gcc and libFuzzer is
# clang's; the sources are the same ones //scheduler/fuzz builds.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.fuzz-out
mkdir -p "$out/corpus"

sources=(
  scheduler/fuzz/request_fuzzer.cc
  scheduler/extender_codec.cc
  kube/decode.cc
  kube/json_reader.cc
  kube/quantity.cc
  common/json_writer.cc
)
modules="simdjson absl_status absl_statusor absl_strings absl_str_format"
# shellcheck disable=SC2046
clang++ -std=c++17 -O1 -g -march=haswell -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I. $(pkg-config --cflags $modules) \
  "${sources[@]}" -o "$out/request_fuzzer" $(pkg-config --libs $modules)

cd "$out"
exec ./request_fuzzer -max_total_time="${FUZZ_SECONDS:-30}" -max_len=65536 -rss_limit_mb=4096 \
  -print_final_stats=1 corpus ../testdata/extender ../testdata/fuzz
