#!/usr/bin/env bash
# The two commands of the README:
#   ./spillway.sh demo   builds Spillway and runs the simulated cluster's default scenario, then a tour of each part
#   ./spillway.sh test   runs every test and prints 'N passed, M failed'
# Both first install whatever Debian packages are missing (tools/install_deps.sh).
set -euo pipefail
cd "$(dirname "$0")"

case "${1:-}" in
  demo)
    tools/install_deps.sh
    bazel build //:spillway
    exec tools/demo.sh
    ;;
  test)
    tools/install_deps.sh
    exec tools/run_tests.sh
    ;;
  *)
    echo "usage: ./spillway.sh demo | test" >&2
    exit 2
    ;;
esac
