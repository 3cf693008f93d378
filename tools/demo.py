#!/usr/bin/env python3
"""The demo behind `./spillway.sh demo`: starts `spillway serve` and sends it the
requests kube-scheduler would, one per burst-policy rule, printing what the
extender decided and why. Runs until done (a few seconds); no cluster needed.
"""
import json
import os
import subprocess
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "testdata", "extender")


def fixture(name):
    with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def post(port, verb, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/extender/{verb}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def describe_pod(pod):
    meta = pod["metadata"]
    asks = [f"label {k}={v}" for k, v in meta.get("labels", {}).items() if k in ("alibabacloud.com/eci", "eci")]
    asks += [f"annotation {k}: {v}" for k, v in meta.get("annotations", {}).items()
             if k == "alibabacloud.com/burst-resource"]
    if pod["spec"].get("nodeSelector"):
        asks.append(f"nodeSelector {pod['spec']['nodeSelector']}")
    return f"{meta['namespace']}/{meta['name']} ({', '.join(asks) or 'asked for nothing'})"


def main():
    binary = os.path.join(ROOT, "bazel-bin", "spillway")
    server = subprocess.Popen([binary, "serve", "--listen=127.0.0.1:0"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        port = int(line.rsplit(" ", 1)[1])
        print(f"spillway serve is listening on 127.0.0.1:{port} (plain HTTP, full-node mode)\n")
        nodes = [fixture("node_ecs_a"), fixture("node_ecs_b"), fixture("node_virtual")]
        print("Candidate nodes, as kube-scheduler would send them:")
        for node in nodes:
            kind = "virtual node (ECI)" if node["metadata"]["labels"].get("type") == "virtual-kubelet" else "ECS node"
            print(f"  {node['metadata']['name']:32} {kind}")
        scenarios = [
            ("pod_none", nodes, "A pod that asked for nothing"),
            ("pod_burst", nodes, "burst-resource: eci while ECS nodes have room"),
            ("pod_burst", nodes[2:], "burst-resource: eci once the ECS nodes are full"),
            ("pod_eci_label", nodes, "ECI only"),
            ("pod_burst_hostpath", nodes[2:], "A burst pod ECI cannot run"),
            ("pod_bad_burst_value", nodes, "A typo in burst-resource"),
        ]
        for pod_name, candidates, title in scenarios:
            pod = fixture(pod_name)
            result = post(port, "filter", {"Pod": pod, "Nodes": {"metadata": {}, "items": candidates},
                                           "NodeNames": None})
            scores = post(port, "prioritize", {"Pod": pod, "Nodes": {"metadata": {}, "items": candidates},
                                               "NodeNames": None})
            score_of = {s["Host"]: s["Score"] for s in scores}
            print(f"\n== {title}\n   pod {describe_pod(pod)}")
            for node in (result.get("Nodes") or {}).get("items", []):
                name = node["metadata"]["name"]
                print(f"   PASS  {name:32} score {score_of.get(name)}")
            for name, reason in result["FailedNodes"].items():
                print(f"   FAIL  {name:32} {reason}")
            for name, reason in result["FailedAndUnresolvableNodes"].items():
                print(f"   NEVER {name:32} {reason}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            metrics = [l for l in response.read().decode().splitlines()
                       if l.startswith("spillway_extender_") and "_bucket" not in l]
        print("\nMetrics (GET /metrics):")
        for line in metrics:
            print("  " + line)
        print("\nTo run it for a real kube-scheduler: see README.md and deploy/.")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
