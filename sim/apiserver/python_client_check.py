"""The official Kubernetes Python client (Debian python3-kubernetes) against
the embedded API server: what a newcomer's script does first. Prints one line
per check, "ok <name>" or "FAIL <name>: <why>", and exits non-zero on a
failure. Usage: python_client_check.py http://127.0.0.1:PORT
"""
import sys

from kubernetes import client, watch
from kubernetes.client.rest import ApiException


def main(server):
    configuration = client.Configuration()
    configuration.host = server
    api_client = client.ApiClient(configuration)
    core = client.CoreV1Api(api_client)
    apps = client.AppsV1Api(api_client)
    failures = 0

    def check(name, condition, why=""):
        nonlocal failures
        if condition:
            print(f"ok {name}")
        else:
            failures += 1
            print(f"FAIL {name}: {why}")

    version = client.VersionApi(api_client).get_code()
    check("version", version.major == "1", str(version))
    groups = client.ApisApi(api_client).get_api_versions()
    check("api groups", any(g.name == "apps" for g in groups.groups), str([g.name for g in groups.groups]))
    names = [ns.metadata.name for ns in core.list_namespace().items]
    check("namespaces", "default" in names and "kube-system" in names, str(names))

    core.create_namespaced_config_map("default", client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="py-1", labels={"from": "python"}), data={"k": "v"}))
    read = core.read_namespaced_config_map("py-1", "default")
    check("configmap round trip", read.data == {"k": "v"}, str(read.data))
    try:
        core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-1")))
        check("conflict", False, "a duplicate create succeeded")
    except ApiException as e:
        check("conflict", e.status == 409 and "AlreadyExists" in e.body, f"{e.status} {e.body}")

    deployment = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="py-web"),
        spec=client.V1DeploymentSpec(
            selector=client.V1LabelSelector(match_labels={"app": "py"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "py"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx:1.25")]))))
    created = apps.create_namespaced_deployment("default", deployment)
    check("deployment defaults", created.spec.strategy.type == "RollingUpdate" and created.spec.replicas == 1,
          str(created.spec.strategy))
    scaled = apps.patch_namespaced_deployment_scale("py-web", "default", {"spec": {"replicas": 3}})
    check("scale subresource", scaled.spec.replicas == 3, str(scaled.spec))

    events = []
    stream = watch.Watch().stream(core.list_namespaced_config_map, "default", label_selector="from=python",
                                  timeout_seconds=2)
    for event in stream:
        events.append(event["type"])
        if event["type"] == "ADDED":
            break
    check("watch", events[:1] == ["ADDED"], str(events))

    check_pages(core, check)
    check_kinds(api_client, check)

    core.delete_collection_namespaced_config_map("default", label_selector="from=python")
    remaining = core.list_namespaced_config_map("default", label_selector="from=python").items
    check("delete collection", remaining == [], str([c.metadata.name for c in remaining]))
    try:
        core.read_namespaced_config_map("py-1", "default")
        check("not found", False, "deleted object still readable")
    except ApiException as e:
        check("not found", e.status == 404, str(e.status))
    return 1 if failures else 0


def check_pages(core, check):
    """Pages of one list come from the first page's state; a token continues
    only the query that issued it."""
    for i in range(5):
        core.create_namespaced_config_map("default", client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name=f"page-{i}", labels={"from": "python", "paged": "yes"})))
    first = core.list_namespaced_config_map("default", label_selector="paged=yes", limit=2)
    core.delete_namespaced_config_map("page-3", "default")
    core.create_namespaced_config_map("default", client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="page-2a", labels={"from": "python", "paged": "yes"})))
    seen = [c.metadata.name for c in first.items]
    token = first.metadata._continue
    while token:
        page = core.list_namespaced_config_map("default", label_selector="paged=yes", limit=2, _continue=token)
        check("page resourceVersion", page.metadata.resource_version == first.metadata.resource_version,
              f"{page.metadata.resource_version} != {first.metadata.resource_version}")
        seen += [c.metadata.name for c in page.items]
        token = page.metadata._continue
    check("pages are one snapshot", seen == [f"page-{i}" for i in range(5)], str(seen))
    try:
        core.list_namespaced_config_map("default", label_selector="from=python", limit=2,
                                        _continue=first.metadata._continue)
        check("continue bound to its query", False, "a token continued a different label selector")
    except ApiException as e:
        check("continue bound to its query", e.status == 400 and "invalid continue token" in e.body,
              f"{e.status} {e.body}")


def check_kinds(api_client, check):
    """Every kind the client's APIs cover: create, read, patch, list by
    label, delete, then read is 404."""
    container = {"name": "c", "image": "nginx"}
    template = {"metadata": {"labels": {"app": "k"}}, "spec": {"containers": [container]}}
    job_template = {"spec": {"restartPolicy": "Never", "containers": [container]}}
    role_ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kind-1"}
    kinds = [
        (client.CoreV1Api, "config_map", {"data": {"k": "v"}}),
        (client.CoreV1Api, "secret", {"stringData": {"k": "v"}}),
        (client.CoreV1Api, "service_account", {}),
        (client.CoreV1Api, "service", {"spec": {"ports": [{"port": 80}]}}),
        (client.CoreV1Api, "pod", {"spec": {"containers": [container]}}),
        (client.AppsV1Api, "deployment", {"spec": {"selector": {"matchLabels": {"app": "k"}}, "template": template}}),
        (client.AppsV1Api, "replica_set", {"spec": {"selector": {"matchLabels": {"app": "k"}}, "template": template}}),
        (client.AppsV1Api, "stateful_set",
         {"spec": {"serviceName": "s", "selector": {"matchLabels": {"app": "k"}}, "template": template}}),
        (client.AppsV1Api, "daemon_set", {"spec": {"selector": {"matchLabels": {"app": "k"}}, "template": template}}),
        (client.BatchV1Api, "job", {"spec": {"template": job_template}}),
        (client.BatchV1Api, "cron_job",
         {"spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": job_template}}}}),
        (client.PolicyV1Api, "pod_disruption_budget",
         {"spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "k"}}}}),
        (client.RbacAuthorizationV1Api, "role", {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
        (client.RbacAuthorizationV1Api, "role_binding",
         {"roleRef": role_ref, "subjects": [{"kind": "ServiceAccount", "name": "kind-1", "namespace": "default"}]}),
        (client.CoordinationV1Api, "lease", {"spec": {"holderIdentity": "a"}}),
    ]
    for api_class, kind, body in kinds:
        api = api_class(api_client)
        body = dict(body, metadata={"name": "kind-1", "labels": {"kind-check": "yes"}})
        try:
            getattr(api, f"create_namespaced_{kind}")("default", body)
            read = getattr(api, f"read_namespaced_{kind}")("kind-1", "default")
            patched = getattr(api, f"patch_namespaced_{kind}")("kind-1", "default",
                                                               {"metadata": {"labels": {"patched": "yes"}}})
            listed = getattr(api, f"list_namespaced_{kind}")("default", label_selector="patched=yes")
            getattr(api, f"delete_namespaced_{kind}")("kind-1", "default")
            ok = (read.metadata.name == "kind-1" and patched.metadata.labels.get("patched") == "yes"
                  and [o.metadata.name for o in listed.items] == ["kind-1"])
            try:
                getattr(api, f"read_namespaced_{kind}")("kind-1", "default")
                ok = False
            except ApiException as e:
                ok = ok and e.status == 404
            check(f"kind {kind}", ok, f"read {read.metadata.name}, listed {[o.metadata.name for o in listed.items]}")
        except ApiException as e:
            check(f"kind {kind}", False, f"{e.status} {e.body}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
