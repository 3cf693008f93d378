#!/usr/bin/env python3
"""Counts test cases from a `bazel test` run and prints 'N passed, M failed'.

Bazel's own summary counts test targets, not test cases; this reads each
target's test.xml (GoogleTest writes one <testcase> per TEST) for the targets
the run's summary lists. A target that failed to build, timed out or has no
status counts as one failed case. Extra `--extra NAME=passed|failed` arguments
add results of checks run outside Bazel (the libFuzzer run).

Usage: count_tests.py BAZEL_LOG TESTLOGS_DIR [--extra NAME=passed|failed ...]
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

SUMMARY = re.compile(r"^(//\S+)\s+(?:\(cached\)\s+)?(PASSED|FAILED|FAILED TO BUILD|NO STATUS|TIMEOUT|FLAKY)\b")


def cases_in(xml_path):
    """(passed, failed) test cases recorded in one test.xml."""
    tree = ET.parse(xml_path)
    passed = failed = 0
    for case in tree.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("status", "run") == "run" and case.find("skipped") is None:
            passed += 1
        else:
            failed += 1  # A skipped test is a gap, not a pass.
    return passed, failed


def xml_paths_of(target_dir):
    """The target's test.xml, or one per shard (shard_K_of_N/test.xml) for a
    sharded target; empty when there is none. A testlogs tree outlives its
    workspace (Bazel's output base is named after the workspace's path), so
    both may be there, one left by an earlier run of another shape: the newer
    one is this run's."""
    whole = os.path.join(target_dir, "test.xml")
    shards = []
    if os.path.isdir(target_dir):
        for name in sorted(os.listdir(target_dir)):
            path = os.path.join(target_dir, name, "test.xml")
            if re.fullmatch(r"shard_\d+_of_\d+", name) and os.path.exists(path):
                shards.append(path)
    if not os.path.exists(whole):
        return shards
    if shards and min(os.path.getmtime(p) for p in shards) > os.path.getmtime(whole):
        return shards
    return [whole]


def main(argv):
    log_path, testlogs = argv[1], argv[2]
    passed = failed = 0
    seen = set()
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = SUMMARY.match(line.strip())
            if not match or match.group(1) in seen:
                continue
            target, status = match.group(1), match.group(2)
            seen.add(target)
            xml_paths = xml_paths_of(os.path.join(testlogs, target[2:].replace(":", "/")))
            if status in ("PASSED", "FAILED", "FLAKY") and xml_paths:
                p = f = 0
                for xml_path in xml_paths:
                    shard_passed, shard_failed = cases_in(xml_path)
                    p += shard_passed
                    f += shard_failed
                if status != "PASSED" and f == 0:
                    f = 1  # The binary failed outside any test case.
                if p + f == 0:
                    f = 1  # A test target that ran nothing is not a pass.
                passed += p
                failed += f
            else:
                print(f"{target}: {status}", file=sys.stderr)
                failed += 1
    args = argv[3:]
    while args:
        if args[0] == "--extra" and len(args) > 1:
            name, _, result = args[1].partition("=")
            if result == "passed":
                passed += 1
            else:
                print(f"{name}: {result}", file=sys.stderr)
                failed += 1
            args = args[2:]
        else:
            args = args[1:]
    if not seen:
        print("no test results found in the bazel log", file=sys.stderr)
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
