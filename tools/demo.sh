#!/usr/bin/env bash
# The demo behind `./spillway.sh demo`, against the freshly built binary:
# first the simulated cluster running the default scenario (about two
# minutes; docs/simulated-cluster.md), then a closer look at each part
# (tools/demo.py: the extender's decisions, the rescue, the ElasticWorkload
# split, the admission webhook).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== spillway sim --scenario=testdata/scenarios/burst-peak.yaml --check"
# --check: a violated invariant (the Checks printed at the end) fails the demo.
bazel-bin/spillway sim --scenario=testdata/scenarios/burst-peak.yaml --report=spillway-sim-report.html --check
echo
echo "== A closer look at each part"
exec python3 tools/demo.py
