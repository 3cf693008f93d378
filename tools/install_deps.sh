#!/usr/bin/env bash
# Installs exactly the Debian packages Spillway needs that are missing, running
# `apt-get update` once, and only when something must be installed. Idempotent;
# called by both README commands (./spillway.sh demo, ./spillway.sh test).
set -euo pipefail

PACKAGES=(
  # Build system and toolchain.
  bazel-bootstrap g++ pkg-config python3
  # Libraries from the design card.
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev libabsl-dev
  prometheus-cpp-dev libgoogle-glog-dev libgtest-dev libgmock-dev libbenchmark-dev
  # HTTP/TLS (Boost.Beast on OpenSSL), JSON decoding, config files.
  libboost1.81-dev libssl-dev libsimdjson-dev libyaml-cpp-dev
  # libFuzzer (clang's -fsanitize=fuzzer) for the request-decoding fuzzer.
  clang libclang-rt-14-dev
  # The official Kubernetes Python client, for the embedded API server's tests.
  python3-kubernetes
  # A second, independent gRPC client for the admin API's tests (health,
  # reflection).
  python3-grpcio
  # A real Prometheus (and promtool) for the observability kit's tests.
  prometheus
  # Headless Chromium, to check the simulated cluster's HTML report renders.
  chromium
  # The OCI image, built FROM scratch and run in a test (tools/build_image.sh, tools/image_test.py); runc because
  # crun refuses these machines' hybrid cgroup layout.
  buildah podman runc
  # The real kubectl is provided by the machine image (/usr/bin/kubectl).
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "spillway: installing missing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
