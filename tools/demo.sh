#!/usr/bin/env bash
# Runs the extender demo (tools/demo.py) against the freshly built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 tools/demo.py
