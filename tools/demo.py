#!/usr/bin/env python3
"""The demo behind `./spillway.sh demo`.

Part 1 starts `spillway serve` and sends it the requests kube-scheduler would,
one per burst-policy rule, printing what the extender decided and why.
Part 2 starts the embedded API server (`spillway apiserver`), shapes a small
cluster in it with the real kubectl, runs the autoscaler against it and shows
an Unschedulable pod handed to ECI and the ElasticWorkload sample splitting
replicas. Runs until done (a few seconds); no real cluster needed.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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
    autoscaler_demo(binary)
    return 0


CLUSTER = """apiVersion: v1
kind: Node
metadata: {name: cn-hangzhou.192.168.0.10}
status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: virtual-kubelet-cn-hangzhou-j, labels: {type: virtual-kubelet}}
spec: {taints: [{key: virtual-kubelet.io/provider, value: alibabacloud, effect: NoSchedule}]}
status: {allocatable: {cpu: "1000", memory: 6400Ti, pods: "10000"}}
---
# More cpu than the ECS node has: kube-scheduler's "Insufficient cpu" below is true.
apiVersion: v1
kind: Pod
metadata: {name: checkout-7d9c6b5f4-x2x8k, namespace: default}
spec: {containers: [{name: app, image: nginx, resources: {requests: {cpu: "6", memory: 4Gi}}}]}
"""

UNSCHEDULABLE = json.dumps({"status": {"phase": "Pending", "conditions": [{
    "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
    "message": "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
               "{virtual-kubelet.io/provider: alibabacloud}.",
    "lastTransitionTime": "2026-11-22T08:00:00Z"}]}})


WEBHOOK = """apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {{name: spillway}}
webhooks:
- name: pods.spillway.alibabacloud.com
  clientConfig: {{url: "https://localhost:{port}/mutate/pods"}}
  rules: [{{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}}]
  namespaceSelector: {{matchExpressions: [{{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system]}}]}}
  failurePolicy: Ignore
  sideEffects: None
  admissionReviewVersions: [v1]
  timeoutSeconds: 2
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def webhook_demo(k, workdir):
    """Pods created with kubectl pass the admission webhook (self-managed certificate)."""
    for _ in range(100):  # Spillway writes the caBundle once its Secret exists.
        if k("get", "mutatingwebhookconfiguration", "spillway", "-o",
             "jsonpath={.webhooks[0].clientConfig.caBundle}"):
            break
        time.sleep(0.05)
    print("\n   Admission webhook (self-managed certificate; the eci-profile of deploy/eci-profile-example.yaml):")
    pods = os.path.join(workdir, "pods.yaml")
    with open(pods, "w", encoding="utf-8") as f:
        f.write("apiVersion: v1\nkind: Namespace\nmetadata: {name: bigdata, labels: {department: bigdata}}\n")
    k("apply", "-f", pods)

    def create(name, metadata, spec=""):
        path = os.path.join(workdir, name + ".yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: bigdata\n{metadata}"
                    f"spec:\n  containers: [{{name: c, image: spark}}]\n{spec}")
        return subprocess.run([shutil.which("kubectl"), "apply", "-f", path], env=dict(os.environ, **k.env),
                              capture_output=True, text=True, check=False)

    create("spark-job-1", "  labels: {type: offline-task}\n")
    pod = json.loads(k("get", "pod", "spark-job-1", "-n", "bigdata", "-o", "json") or "{}")
    spec = pod.get("spec", {})
    terms = spec.get("affinity", {}).get("nodeAffinity", {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", [])
    print("     kubectl apply pod bigdata/spark-job-1 (labels type=offline-task) -> selector \"bigdata\":")
    print(f"       tolerations: {[t.get('key') for t in spec.get('tolerations', [])]}")
    print(f"       required node affinity: {[e for t in terms for e in t.get('matchExpressions', [])]}")
    print(f"       annotations added: {{'k8s.aliyun.com/eci-use-specs': "
          f"{pod.get('metadata', {}).get('annotations', {}).get('k8s.aliyun.com/eci-use-specs')!r}}}")
    refused = create("typo-1", "  annotations: {alibabacloud.com/burst-resource: eci_first}\n")
    print("     a pod with burst-resource: eci_first:")
    said = (refused.stderr or refused.stdout).strip().splitlines()[-1]
    print("       refused: ..." + said[said.find("admission webhook"):][:140])
    warned = create("logs-1", "  labels: {alibabacloud.com/eci: \"true\"}\n",
                    "  volumes: [{name: logs, hostPath: {path: /var/log}}]\n")
    warning = [line for line in (warned.stderr + warned.stdout).splitlines() if line.startswith("Warning:")]
    print("     an ECI pod with a hostPath volume is admitted, with:")
    print("       " + (warning[0][:150] if warning else "(no warning)"))


def admin_demo(binary, server):
    """What an operator sees through the admin API (spillway status / explain)."""
    for args in (["status"], ["explain", "pod", "default/checkout-7d9c6b5f4-x2x8k"]):
        result = subprocess.run([binary, *args, f"--server={server}"], capture_output=True, text=True,
                                check=False)
        print(f"\n   $ spillway {' '.join(args)} --server={server}")
        for line in (result.stdout or result.stderr).splitlines():
            print("     " + line)


def autoscaler_demo(binary):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        print("\n(kubectl is not installed: skipping the autoscaler part of the demo)")
        return
    print("\n== The autoscaler, in the embedded cluster (spillway apiserver + kubectl)")
    workdir = tempfile.mkdtemp(prefix="spillway-demo-")
    apiserver = subprocess.Popen([binary, "apiserver", "--listen=127.0.0.1:0"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
    serve = None
    try:
        port = int(apiserver.stdout.readline().rsplit(" ", 1)[1])
        kubeconfig = os.path.join(workdir, "kubeconfig")
        with open(kubeconfig, "w", encoding="utf-8") as f:
            f.write("apiVersion: v1\nkind: Config\ncurrent-context: sim\n"
                    "contexts: [{name: sim, context: {cluster: sim, user: me}}]\n"
                    f"clusters: [{{name: sim, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
                    "users: [{name: me, user: {}}]\n")
        env = dict(os.environ, KUBECONFIG=kubeconfig, HOME=workdir)

        def k(*args):
            return subprocess.run([kubectl, *args], env=env, capture_output=True, text=True, check=False).stdout
        k.env = {"KUBECONFIG": kubeconfig, "HOME": workdir}

        manifest = os.path.join(workdir, "cluster.yaml")
        with open(manifest, "w", encoding="utf-8") as f:
            f.write(CLUSTER)
        k("apply", "-f", os.path.join(ROOT, "deploy", "elasticworkload-crd.yaml"))
        print("   kubectl apply: an ECS node, a virtual node, nginx-deployment-basic (2 replicas),")
        print("   the ElasticWorkload sample (min 2, max 4, replicas 6) and a pod kube-scheduler")
        print("   cannot place (regular nodes lack cpu).")
        k("apply", "-f", manifest)
        k("apply", "-f", os.path.join(ROOT, "testdata", "elasticworkload", "sample.yaml"))
        k("patch", "pod", "checkout-7d9c6b5f4-x2x8k", "--subresource=status", "--type=merge", "-p", UNSCHEDULABLE)
        webhook_port = free_port()
        with open(os.path.join(workdir, "webhook.yaml"), "w", encoding="utf-8") as f:
            f.write(WEBHOOK.format(port=webhook_port))
        k("apply", "-f", os.path.join(workdir, "webhook.yaml"))
        k("apply", "-f", os.path.join(ROOT, "deploy", "eci-profile-example.yaml"))
        os.makedirs(os.path.join(workdir, "certs"))
        admin = f"127.0.0.1:{free_port()}"
        serve = subprocess.Popen([binary, "serve", "--listen=127.0.0.1:0",
                                  "--components=extender,autoscaler,webhook,admin", f"--admin-listen={admin}",
                                  f"--kubeconfig={kubeconfig}", "--leader-elect=false",
                                  f"--webhook-listen=127.0.0.1:{webhook_port}",
                                  f"--webhook-cert-dir={os.path.join(workdir, 'certs')}",
                                  "--webhook-self-managed-secret=kube-system/spillway-webhook-certs",
                                  # The certificate must name the host the API server dials: here
                                  # "localhost"; in a cluster, spillway-webhook.kube-system.svc.
                                  "--webhook-service=kube-system/localhost"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("   spillway serve --components=extender,autoscaler,webhook,admin --kubeconfig=... is running.\n")
        source = ["get", "deployment", "nginx-deployment-basic", "-o", "jsonpath={.spec.replicas}"]
        unit = ["get", "deployment", "nginx-deployment-basic-unit-virtual-kubelet", "-o", "jsonpath={.spec.replicas}"]
        for _ in range(200):
            if k(*unit) == "2" and k("get", "pod", "checkout-7d9c6b5f4-x2x8k", "-o",
                                     "jsonpath={.metadata.annotations.alibabacloud\\.com/burst-resource}") == "eci":
                break
            time.sleep(0.05)
        pod = json.loads(k("get", "pod", "checkout-7d9c6b5f4-x2x8k", "-o", "json") or "{}")
        annotations = pod.get("metadata", {}).get("annotations", {})
        tolerations = pod.get("spec", {}).get("tolerations", [])
        print("   Unschedulable rescue: pod default/checkout-7d9c6b5f4-x2x8k now has")
        print(f"     alibabacloud.com/burst-resource: {annotations.get('alibabacloud.com/burst-resource')}")
        print(f"     tolerations: {[t.get('key') for t in tolerations]}")
        print("     so kube-scheduler retries it and the extender lets it onto the virtual node.")
        print(f"   ElasticWorkload (replicas 6): source {k(*source)} on ECS, "
              f"unit nginx-deployment-basic-unit-virtual-kubelet {k(*unit)} on ECI")
        k("scale", "ew", "elasticworkload-sample", "--replicas=10")
        for _ in range(200):
            if k(*unit) == "6":
                break
            time.sleep(0.05)
        print(f"   kubectl scale ew elasticworkload-sample --replicas=10: source {k(*source)}, unit {k(*unit)}")
        for _ in range(100):  # The status follows the split.
            if k("get", "ew", "elasticworkload-sample", "-o", "jsonpath={.status.replicas}") == "10":
                break
            time.sleep(0.05)
        print("   kubectl get ew:")
        for line in k("get", "ew").splitlines():
            print("     " + line)
        webhook_demo(k, workdir)
        events = json.loads(k("get", "events", "-A", "-o", "json") or "{}").get("items", [])
        print("   Events:")
        for event in events:
            print(f"     {event.get('reason', ''):22} {event.get('message', '')[:90]}")
        admin_demo(binary, admin)
    finally:
        for process in (serve, apiserver):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
