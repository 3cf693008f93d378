#!/usr/bin/env bash
# Runs the demo (tools/demo.py: the extender, then the autoscaler in the
# embedded cluster) against the freshly built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 tools/demo.py
