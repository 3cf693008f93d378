#!/usr/bin/python3
"""Builds Spillway's image offline (tools/build_image.sh) and runs it with podman, as deploy/ runs it.

  /usr/bin/python3 tools/image_test.py      # prints each check; exit 0 only when all hold

Checks, in order:
  1. the OCI archive is one (oci-layout, index.json naming the version's tag);
  2. the image and the Dockerfile (kept for users with a registry) agree: user, entrypoint, command, and the files
     the Dockerfile puts in (the binary, the scheduler configuration, CA certificates);
  3. the image holds exactly the binary, the libraries ldd names, the loader, CA certificates, passwd/group with
     65532 and the scheduler configuration, nothing else;
  4. `podman run` of the image as `spillway serve` (read-only root, user 65532, every capability dropped, no new
     privileges) against the embedded API server on the host network: /readyz answers 200, a names-mode filter
     answers from the node cache it filled through the API server, `spillway status` answers through its admin API,
     and `podman stop` ends it with exit status 0 within its grace period.

podman runs with the flags these machines need (runc, cgroupfs, host network, rlimits at 1024): see README.
"""
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "bazel-bin", "spillway")
PODMAN_RUN = ["podman", "run", "--runtime=/usr/sbin/runc", "--cgroup-manager=cgroupfs", "--network=host",
              "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
CLUSTER = """apiVersion: v1
kind: Node
metadata: {name: ecs-1, labels: {kubernetes.io/hostname: ecs-1}}
status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: virtual-kubelet-cn-hangzhou-j, labels: {type: virtual-kubelet}}
spec:
  taints: [{key: virtual-kubelet.io/provider, value: alibabacloud, effect: NoSchedule}]
status: {allocatable: {cpu: "1000", memory: 6400Ti, pods: "10000"}}
"""

failures = []


def check(condition, what, detail=""):
    print(("ok     " if condition else "FAILED ") + what + (f": {detail}" if detail and not condition else ""))
    if not condition:
        failures.append(what)
    return condition


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def dockerfile_runtime_stage():
    """The Dockerfile's last stage: USER, ENTRYPOINT, CMD and the destinations of its COPY lines."""
    text = open(os.path.join(ROOT, "Dockerfile")).read().replace("\\\n", " ")
    stage = text[text.rindex("\nFROM "):]
    found = {"copies": []}
    for line in stage.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "USER":
            found["user"] = words[1]
        elif words[0] in ("ENTRYPOINT", "CMD"):
            found[words[0].lower()] = json.loads(line[len(words[0]):])
        elif words[0] == "COPY":
            found["copies"].append(words[-1])
        elif words[0] == "RUN" and "ca-certificates" in line:
            found["copies"].append("/etc/ssl/certs/ca-certificates.crt")
    return found


def ldd_paths():
    paths = set()
    for line in run(["ldd", BINARY]).stdout.splitlines():
        words = line.split()
        if len(words) >= 3 and words[1] == "=>" and words[2].startswith("/"):
            paths.add(words[2])
        elif words and words[0].startswith("/"):
            paths.add(words[0])
    return paths


def check_archive(archive, tag):
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        check("oci-layout" in names and "index.json" in names, "the archive is an OCI layout", str(sorted(names)[:5]))
        index = json.load(tar.extractfile("index.json"))
    refs = [m.get("annotations", {}).get("org.opencontainers.image.ref.name", "") for m in index.get("manifests", [])]
    check(any(ref.endswith(tag.split(":")[1]) for ref in refs), f"the archive's index names {tag}", str(refs))


def check_layout(image):
    config = json.loads(run(["podman", "image", "inspect", image]).stdout)[0]["Config"]
    docker = dockerfile_runtime_stage()
    check(config.get("User") == docker["user"] == "65532:65532", "user matches the Dockerfile's (65532:65532)",
          f"image {config.get('User')}, Dockerfile {docker.get('user')}")
    check(config.get("Entrypoint") == docker["entrypoint"], "entrypoint matches the Dockerfile's",
          f"image {config.get('Entrypoint')}, Dockerfile {docker.get('entrypoint')}")
    check(config.get("Cmd") == docker["cmd"], "command matches the Dockerfile's",
          f"image {config.get('Cmd')}, Dockerfile {docker.get('cmd')}")
    mount = run(["podman", "image", "mount", image])
    if not check(mount.returncode == 0, "podman image mount", mount.stderr):
        return
    root = mount.stdout.strip()
    try:
        files = set()
        for directory, _, names in os.walk(root):
            files.update(os.path.join(directory, name)[len(root):] for name in names)
        for path in docker["copies"]:
            check(path in files, f"the image has the Dockerfile's {path}")
        expected = ldd_paths() | {"/usr/local/bin/spillway", "/etc/ssl/certs/ca-certificates.crt", "/etc/passwd",
                                  "/etc/group", "/usr/share/spillway/kube-scheduler-config.yaml"}
        check(files == expected, "the image holds exactly the binary, ldd's libraries, the loader, CA certificates, "
              "passwd/group and the scheduler configuration",
              f"extra {sorted(files - expected)}, missing {sorted(expected - files)}")
        passwd = open(os.path.join(root, "etc", "passwd")).read()
        check(re.search(r"^spillway:x:65532:65532:", passwd, re.M) is not None, "/etc/passwd names 65532", passwd)
    finally:
        run(["podman", "image", "unmount", image])


def http(url, body=None, timeout=5):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:
        return 0, str(error)


def start_apiserver(tmp):
    """The embedded API server on a free port, a kubeconfig naming it (readable by 65532) and the cluster applied."""
    log = open(os.path.join(tmp, "apiserver.log"), "w+")
    server = subprocess.Popen([BINARY, "apiserver", "--listen=127.0.0.1:0"], stdout=log, stderr=subprocess.STDOUT)
    port = wait_for(lambda: re.search(r"apiserver listening on port (\d+)", open(log.name).read()), 10)
    if not check(port is not None, "the embedded API server starts", open(log.name).read()):
        return server, None
    kubeconfig = os.path.join(tmp, "kubeconfig")
    with open(kubeconfig, "w") as out:
        out.write(f"""apiVersion: v1
kind: Config
clusters: [{{name: sim, cluster: {{server: "http://127.0.0.1:{port.group(1)}"}}}}]
users: [{{name: sim, user: {{}}}}]
contexts: [{{name: sim, context: {{cluster: sim, user: sim}}}}]
current-context: sim
""")
    os.chmod(kubeconfig, 0o644)
    manifest = os.path.join(tmp, "cluster.yaml")
    open(manifest, "w").write(CLUSTER)
    applied = run(["/usr/bin/kubectl", "--kubeconfig", kubeconfig, "apply", "-f", manifest],
                  env=dict(os.environ, HOME=tmp))
    check(applied.returncode == 0, "kubectl applies the nodes", applied.stdout + applied.stderr)
    return server, kubeconfig


def wait_for(probe, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.2)
    return None


def filter_request():
    request = json.load(open(os.path.join(ROOT, "testdata", "extender", "filter_names_request.json")))
    request["Pod"]["metadata"]["annotations"].pop("alibabacloud.com/burst-resource")
    request["NodeNames"] = ["ecs-1", "virtual-kubelet-cn-hangzhou-j"]
    request["Nodes"] = None
    return json.dumps(request).encode()


def check_serving(container, image):
    logs = lambda: run(["podman", "logs", container]).stderr + run(["podman", "logs", container]).stdout
    port = wait_for(lambda: re.search(r"spillway: listening on port (\d+)", logs()), 20)
    admin = wait_for(lambda: re.search(r"spillway: admin on port (\d+)", logs()), 20)
    if not check(port is not None and admin is not None, "spillway serve starts in the container", logs()[-2000:]):
        return
    state = json.loads(run(["podman", "inspect", container]).stdout)[0]
    check(state["Config"]["User"] == "65532:65532", "it runs as 65532", state["Config"]["User"])
    check(state["HostConfig"]["ReadonlyRootfs"] is True, "its root file system is read-only")
    check(not state.get("EffectiveCaps"), "it has no capabilities", str(state.get("EffectiveCaps")))
    base = f"http://127.0.0.1:{port.group(1)}"
    ready = wait_for(lambda: http(base + "/readyz")[0] == 200, 20)
    check(ready is not None, "/readyz answers 200", str(http(base + "/readyz")))
    status, body = wait_for(lambda: (lambda answer: answer if '"ecs-1"' in answer[1] else None)(
        http(base + "/extender/filter", filter_request())), 20) or http(base + "/extender/filter", filter_request())
    answer = json.loads(body) if status == 200 else {}
    check(answer.get("NodeNames") == ["ecs-1"], "a names-mode filter keeps the ECS node", body)
    failed = answer.get("FailedAndUnresolvableNodes") or {}
    check("virtual-kubelet-cn-hangzhou-j" in failed, "and refuses the virtual node to a pod that asked for nothing",
          body)
    spillway_status = run([BINARY, "status", f"--server=127.0.0.1:{admin.group(1)}"])
    check(spillway_status.returncode == 0 and "Leader:" in spillway_status.stdout,
          "spillway status answers through the container's admin API",
          spillway_status.stdout + spillway_status.stderr)
    began = time.time()
    stopped = run(["podman", "stop", "--time", "20", container])
    took = time.time() - began
    exit_code = json.loads(run(["podman", "inspect", container]).stdout)[0]["State"]["ExitCode"]
    check(stopped.returncode == 0 and exit_code == 0 and took < 15,
          f"podman stop ends it cleanly (exit {exit_code} in {took:.1f} s)", stopped.stderr)


def main():
    built = run([os.path.join(ROOT, "tools", "build_image.sh")], env=dict(os.environ, SPILLWAY_BINARY=BINARY))
    if not check(built.returncode == 0, "tools/build_image.sh builds the image", built.stdout + built.stderr):
        return 1
    print(built.stdout.strip())
    version = open(os.path.join(ROOT, "VERSION")).read().strip()
    image = f"spillway:{version}"
    check_archive(os.path.join(ROOT, "dist", f"spillway-{version}.oci.tar"), image)
    check_layout(image)
    tmp = tempfile.mkdtemp(prefix="spillway-image-test-")
    container = f"spillway-image-test-{os.getpid()}"
    server, kubeconfig = start_apiserver(tmp)
    try:
        if kubeconfig:
            started = run(PODMAN_RUN + [
                "-d", "--name", container, "--read-only", "--user", "65532:65532", "--cap-drop=ALL",
                "--security-opt=no-new-privileges", "-v", f"{kubeconfig}:/etc/spillway/kubeconfig:ro",
                image, "serve", "--listen=127.0.0.1:0", "--components=extender,autoscaler,admin",
                "--admin-listen=127.0.0.1:0", "--kubeconfig=/etc/spillway/kubeconfig"])
            if check(started.returncode == 0, "podman run starts the container", started.stderr):
                check_serving(container, image)
    finally:
        run(["podman", "rm", "--force", "--time", "0", container])
        server.terminate()
        server.wait(timeout=10)
    print(f"{'image test passed' if not failures else 'image test FAILED: ' + '; '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
