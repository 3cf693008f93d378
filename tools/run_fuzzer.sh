#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs each for ${FUZZ_SECONDS:-30} seconds
# over its seed corpus:
#   request_fuzzer    the extender's request decoding (testdata/extender, testdata/fuzz)
#   admission_fuzzer  the webhook's AdmissionReview decoding and decision (testdata/webhook)
# Exits non-zero on the first crash, leak or sanitizer report; the reproducer
# is left in .fuzz-out/<target>/.
#
# Built outside Bazel because the project toolchain is gcc and libFuzzer is
# clang's; the sources are the ones //scheduler/fuzz and //webhook/fuzz build.
# The config proto's generated code comes from bazel-bin (run after `bazel
# build //proto:config_proto`, as tools/run_tests.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."

out=.fuzz-out
# Earlier versions kept one target's binary at $out/request_fuzzer.
if [ -f "$out/request_fuzzer" ]; then rm -rf "$out"; fi
flags=(-std=c++17 -O1 -g -march=haswell -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I.)

run() {  # name max_len seed_dirs...
  local name=$1 max_len=$2
  shift 2
  mkdir -p "$out/$name/corpus"
  (cd "$out/$name" && ./"$name" -max_total_time="${FUZZ_SECONDS:-30}" -max_len="$max_len" \
    -rss_limit_mb=4096 -print_final_stats=1 corpus "$@")
}

request_sources=(
  scheduler/fuzz/request_fuzzer.cc
  scheduler/extender_codec.cc
  scheduler/extender_encode.cc
  scheduler/name_tokens.cc
  kube/decode.cc
  kube/json_reader.cc
  kube/quantity.cc
  common/json_writer.cc
)
modules="simdjson absl_status absl_statusor absl_strings absl_str_format absl_flat_hash_map absl_hash absl_raw_hash_set"
mkdir -p "$out/request_fuzzer"
# shellcheck disable=SC2046
clang++ "${flags[@]}" $(pkg-config --cflags $modules) \
  "${request_sources[@]}" -o "$out/request_fuzzer/request_fuzzer" $(pkg-config --libs $modules)

bazel build //proto:config_proto >/dev/null 2>&1
admission_sources=(
  webhook/fuzz/admission_fuzzer.cc
  webhook/admission_review.cc
  webhook/pod_admission.cc
  burst/eci_profile.cc
  burst/intent_resolver.cc
  burst/pod_sources.cc
  burst/eci_compat.cc
  burst/virtual_node.cc
  burst/placement.cc
  burst/architecture.cc
  kube/decode.cc
  kube/json_reader.cc
  kube/quantity.cc
  kube/label_selector.cc
  kube/names.cc
  kube/pod_record.cc
  kube/node_affinity.cc
  common/json_writer.cc
  common/boost_json.cc
  bazel-bin/proto/config.pb.cc
)
admission_modules="$modules protobuf yaml-cpp"
mkdir -p "$out/admission_fuzzer"
# shellcheck disable=SC2046
clang++ "${flags[@]}" -Ibazel-bin $(pkg-config --cflags $admission_modules) \
  "${admission_sources[@]}" -o "$out/admission_fuzzer/admission_fuzzer" $(pkg-config --libs $admission_modules)

run request_fuzzer 65536 ../../testdata/extender ../../testdata/fuzz
run admission_fuzzer 65536 ../../testdata/webhook
