// The admission webhook and the eci-profile against `spillway apiserver`,
// both the real binary, pods created by the real kubectl: the webhook sends
// pods to ECI as they are created, follows profile edits at once, and makes
// its own certificates from nothing.
#include "app/cluster_e2e_fixture.h"

namespace spillway::app {
namespace {

class WebhookE2eTest : public ClusterE2eTest {};

TEST_F(WebhookE2eTest, TheEciProfileSendsMatchingPodsToEciAndFollowsEdits) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster << R"(---
apiVersion: v1
kind: Namespace
metadata:
  name: bigdata
  labels: {department: bigdata}
)";
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  auto profile = [&](const std::string& selectors) {
    const std::string path = absl::StrCat(tmp_, "/profile.yaml");
    std::ofstream(path) << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: eci-profile\n"
                        << "  namespace: kube-system\ndata:\n  vpcId: vpc-demo\n  selectors: |\n    "
                        << selectors << "\n";
    return Kubectl("apply -f " + path);
  };
  ASSERT_EQ(profile(R"([{"name": "bigdata", "namespaceSelector": {"matchLabels": {"department": "bigdata"}}, )"
                    R"("objectSelector": {"matchLabels": {"type": "offline-task"}}}])").exit_code, 0);

  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  ASSERT_TRUE(AwaitStatus(*connected, "/readyz", 200));
  auto filter = [&](const std::string& type) {
    const std::string request = absl::StrCat(
        R"({"Pod":{"metadata":{"name":"job-1","namespace":"bigdata","uid":"u-1","labels":{"type":")", type,
        R"("}},"spec":{"containers":[{"name":"c","image":"spark"}]}},"Nodes":null,)",
        R"("NodeNames":["ecs-1","edge-pool-1"]})");
    absl::StatusOr<http::ClientResponse> response = connected->Post("/extender/filter", request);
    return response.ok() ? response->body : response.status().ToString();
  };
  auto await = [&](const std::string& type, const std::string& want) {
    return AwaitContaining([&] { return filter(type); }, want);
  };
  EXPECT_THAT(await("offline-task", R"("NodeNames":["edge-pool-1"])"),
              HasSubstr("eci-profile selector bigdata"));
  EXPECT_THAT(filter("web"), HasSubstr(R"("NodeNames":["ecs-1"])"));
  // What is in force is shown on the ConfigMap, and annotating it settles.
  auto in_force = [&] {
    return Kubectl("get configmap eci-profile -n kube-system -o "
                   "jsonpath='{.metadata.annotations.spillway\\.alibabacloud\\.com/eci-profile-in-force}'")
        .output;
  };
  EXPECT_THAT(AwaitContaining(in_force, "(bigdata)"), HasSubstr("1 selector(s) (bigdata); content "));
  const std::string settled = Kubectl("get configmap eci-profile -n kube-system -o jsonpath={.metadata.resourceVersion}").output;
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Kubectl("get configmap eci-profile -n kube-system -o jsonpath={.metadata.resourceVersion}").output, settled)
      << "the annotation must not trigger an endless rewrite";

  // An edit applies without a restart.
  ASSERT_EQ(profile(R"([{"name": "every-bigdata-pod", "namespaceSelector": {"matchLabels": {"department": "bigdata"}}}])").exit_code, 0);
  EXPECT_THAT(await("web", R"("NodeNames":["edge-pool-1"])"), HasSubstr("eci-profile selector every-bigdata-pod"));

  // A bad edit is refused: the profile in force stays, an Event says why.
  ASSERT_EQ(profile(R"([{"name": "broken", "objectSelector": {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]}}])").exit_code, 0);
  const std::string events = AwaitContaining(
      [&] {
        return Kubectl("get events -n kube-system -o jsonpath='{range .items[*]}{.reason}: {.message}{\"\\n\"}{end}'")
            .output;
      },
      "InvalidEciProfile");
  EXPECT_THAT(events, HasSubstr("InvalidEciProfile: Spillway refused this eci-profile: selectors[0].objectSelector."
                                "matchExpressions[0].operator: unknown operator \"Equals\""));
  EXPECT_THAT(filter("web"), HasSubstr("eci-profile selector every-bigdata-pod"));
  // So is an effect the API server would refuse on every pod it reaches (issue 19.7).
  ASSERT_EQ(profile(R"([{"name": "team", "effect": {"labels": {"team": "data platform"}}}])").exit_code, 0);
  EXPECT_THAT(AwaitContaining(
                  [&] {
                    return Kubectl("get events -n kube-system -o jsonpath='{range .items[*]}{.message}{\"\\n\"}{end}'")
                        .output;
                  },
                  "data platform"),
              HasSubstr("selectors[0].effect.labels: Invalid value: \"data platform\""));
  EXPECT_THAT(filter("web"), HasSubstr("eci-profile selector every-bigdata-pod"));

  // Deleted: no selectors.
  ASSERT_EQ(Kubectl("delete configmap eci-profile -n kube-system").exit_code, 0);
  EXPECT_THAT(await("offline-task", R"("NodeNames":["ecs-1"])"), HasSubstr(R"("NodeNames":["ecs-1"])"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
  EXPECT_THAT(serve.ReadAllStderr(), HasSubstr("in force: 1 selector(s): every-bigdata-pod"));
}

// The admission webhook as kube-apiserver calls it (AdmissionReview v1 over
// TLS, trusting the caBundle), with pods created by the real kubectl.
TEST_F(WebhookE2eTest, TheWebhookSendsPodsToEciAsKubectlCreatesThem) {
  std::unique_ptr<Process> serve_process;
  std::unique_ptr<http::Client> connected;
  ASSERT_NO_FATAL_FAILURE(StartWithWebhook(&serve_process, &connected));
  Process& serve = *serve_process;
  auto create = [&](const std::string& name, const std::string& ns, const std::string& metadata,
                    const std::string& spec = "") { return CreatePod(name, ns, metadata, spec); };
  auto get = [&](const std::string& name, const std::string& ns, const std::string& jsonpath) {
    return PodField(name, ns, jsonpath);
  };

  // ECI only by label: toleration and the virtual-node affinity.
  ASSERT_EQ(create("eci-1", "plain", "  labels: {alibabacloud.com/eci: \"true\"}\n").exit_code, 0);
  EXPECT_EQ(get("eci-1", "plain", "{.spec.tolerations[0].key}"), "virtual-kubelet.io/provider");
  EXPECT_EQ(get("eci-1", "plain",
                "{.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key}"),
            "type");
  // Nothing asked: untouched.
  ASSERT_EQ(create("plain-1", "plain", "").exit_code, 0);
  EXPECT_EQ(get("plain-1", "plain", "{.spec.tolerations}"), "");
  // The profile's example: scheduled and its effect applied.
  ASSERT_EQ(create("job-1", "bigdata", "  labels: {type: offline-task}\n").exit_code, 0);
  EXPECT_EQ(get("job-1", "bigdata", "{.metadata.annotations.k8s\\.aliyun\\.com/eci-use-specs}"), "2-4Gi");
  EXPECT_EQ(get("job-1", "bigdata", "{.metadata.labels.created-by-eci}"), "true");
  EXPECT_EQ(get("job-1", "bigdata", "{.spec.tolerations[0].key}"), "virtual-kubelet.io/provider");
  // Refused with the reason, as kubectl prints it.
  CommandResult refused = create("bad-1", "plain", "  annotations: {alibabacloud.com/burst-resource: eci_first}\n");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("denied the request"));
  EXPECT_THAT(refused.output, HasSubstr("eci, eci_only or ecs"));
  // Admitted with a warning kubectl shows.
  CommandResult warned = create("host-1", "plain", "  labels: {alibabacloud.com/eci: \"true\"}\n",
                                "  volumes: [{name: logs, hostPath: {path: /var/log}}]\n");
  EXPECT_EQ(warned.exit_code, 0) << warned.output;
  EXPECT_THAT(warned.output, HasSubstr("Warning: this pod asks for ECI"));
  EXPECT_THAT(warned.output, HasSubstr("'logs'"));

  // The selectors are mirrored where ACK's documentation says to look.
  const std::string mirrored = AwaitContaining(
      [&] { return Kubectl("get mutatingwebhookconfigurations spillway -o yaml").output; }, "default-selector-1");
  EXPECT_THAT(mirrored, HasSubstr("spillway.alibabacloud.com/eci-profile-selectors"));
  EXPECT_THAT(mirrored, HasSubstr("default-selector-1"));

  // A NodePort Service does not reach an ECI pod.
  CommandResult node_port = create("np-1", "plain", "  labels: {app: np, eci: \"true\"}\n");
  EXPECT_EQ(node_port.exit_code, 0) << node_port.output;
  EXPECT_THAT(node_port.output, HasSubstr("Warning: Service plain/web-np of type NodePort selects this pod"));

  // The mutated pod, sent to the extender as kube-scheduler would, passes
  // only the virtual node.
  const std::string pod_json = Kubectl("get pod job-1 -n bigdata -o json").output;
  absl::StatusOr<http::ClientResponse> filtered = connected->Post(
      "/extender/filter", absl::StrCat(R"({"Pod":)", pod_json, R"(,"NodeNames":["ecs-1","edge-pool-1"]})"));
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  EXPECT_THAT(filtered->body, HasSubstr(R"("NodeNames":["edge-pool-1"])"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(WebhookE2eTest, TheWebhookFollowsProfileEditsAtOnce) {
  std::unique_ptr<Process> serve;
  std::unique_ptr<http::Client> connected;
  ASSERT_NO_FATAL_FAILURE(StartWithWebhook(&serve, &connected));
  auto create = [&](const std::string& name, const std::string& ns, const std::string& metadata,
                    const std::string& spec = "") { return CreatePod(name, ns, metadata, spec); };
  auto get = [&](const std::string& name, const std::string& ns, const std::string& jsonpath) {
    return PodField(name, ns, jsonpath);
  };
  // Hot update: an effect-only selector added with kubectl applies to the
  // next ECI pod (by any method), never overwriting what the pod has, and
  // never to a pod that did not ask for ECI.
  const std::string edited = absl::StrCat(tmp_, "/profile-edit.yaml");
  std::ofstream(edited) << R"(apiVersion: v1
kind: ConfigMap
metadata: {name: eci-profile, namespace: kube-system}
data:
  selectors: |
    [{"name": "default-selector-1", "objectSelector": {"matchLabels": {"alibabacloud.com/eci": "true"}}},
     {"name": "every-eci-pod", "effect": {"annotations": {"k8s.aliyun.com/eci-ntp-server": "10.0.0.1",
                                                          "k8s.aliyun.com/eci-image-cache": "true"}}}]
)";
  ASSERT_EQ(Kubectl("apply -f " + edited).exit_code, 0);
  const std::string ntp = "{.metadata.annotations.k8s\\.aliyun\\.com/eci-ntp-server}";
  const std::string cache = "{.metadata.annotations.k8s\\.aliyun\\.com/eci-image-cache}";
  int attempt = 0;
  const std::string applied = AwaitContaining(
      [&] {
        const std::string name = absl::StrCat("burst-", ++attempt);
        create(name, "plain",
               "  annotations: {alibabacloud.com/burst-resource: eci, k8s.aliyun.com/eci-image-cache: \"false\"}\n");
        return get(name, "plain", ntp) + " " + get(name, "plain", cache);
      },
      "10.0.0.1");
  EXPECT_EQ(applied, "10.0.0.1 false") << "the effect applies without a restart and never overwrites";
  ASSERT_EQ(create("plain-2", "plain", "").exit_code, 0);
  EXPECT_EQ(get("plain-2", "plain", ntp), "") << "effect-only selectors touch only pods headed to ECI";

  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait(), 0);
}

// A port nothing listens on now (for a configuration written before the
// server that will use it starts).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// `kubectl apply -f deploy/` without cert-manager: from nothing, Spillway
// creates the Secret, writes the caBundle, and the API server's calls verify.
// (The Service name "localhost" makes the certificate valid for the URL the
// embedded API server dials; a cluster dials <service>.<ns>.svc.)
TEST_F(WebhookE2eTest, SelfManagedWebhookCertificatesFromNothing) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster;
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  const int port = FreePort();
  const std::string configuration = absl::StrCat(tmp_, "/webhook.yaml");
  std::ofstream(configuration) << absl::StrCat(R"(apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: spillway}
webhooks:
- name: pods.spillway.alibabacloud.com
  clientConfig: {url: "https://localhost:)", port, R"(/mutate/pods"}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  failurePolicy: Fail
  sideEffects: None
  admissionReviewVersions: [v1]
)");
  ASSERT_EQ(Kubectl("apply -f " + configuration).exit_code, 0);
  const std::string certs = absl::StrCat(tmp_, "/self-managed");
  ASSERT_EQ(RunCommand("mkdir -p " + certs).exit_code, 0);
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--components=webhook", absl::StrCat("--webhook-listen=127.0.0.1:", port),
                 "--webhook-cert-dir=" + certs, "--webhook-self-managed-secret=kube-system/spillway-webhook-certs",
                 "--webhook-service=kube-system/localhost", "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  ASSERT_TRUE(AwaitStatus(*connected, "/readyz", 200));
  EXPECT_EQ(Kubectl("get secret spillway-webhook-certs -n kube-system -o jsonpath={.type}").output,
            "kubernetes.io/tls");
  EXPECT_FALSE(Kubectl("get mutatingwebhookconfiguration spillway -o jsonpath={.webhooks[0].clientConfig.caBundle}")
                   .output.empty());
  CommandResult created = Kubectl("run eci-1 -n plain --image=nginx --restart=Never --labels=alibabacloud.com/eci=true");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(Kubectl("get pod eci-1 -n plain -o jsonpath='{.spec.tolerations[0].key}'").output,
            "virtual-kubelet.io/provider");
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

}  // namespace
}  // namespace spillway::app

namespace spillway::app {
namespace {

// Issue 21.3: a webhook whose clientConfig names a Service (as deploy/ does)
// is called through the Service's EndpointSlices, its certificate verified
// for <service>.<namespace>.svc; with no ready endpoint and failurePolicy
// Ignore the pod is admitted unchanged, and a Warning Event and a log line
// say why — it used to be skipped silently.
TEST_F(WebhookE2eTest, AServiceClientConfigIsCalledThroughItsEndpointSlices) {
  const std::string certs = absl::StrCat(tmp_, "/service-certs");
  ASSERT_EQ(RunCommand(absl::StrCat("mkdir -p ", certs, " && cp ", testing::RunfilePath("testdata/pki/service.crt"),
                                    " ", certs, "/tls.crt && cp ", testing::RunfilePath("testdata/pki/service.key"),
                                    " ", certs, "/tls.key"))
                .exit_code,
            0);
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0", "--components=webhook",
                 "--webhook-listen=127.0.0.1:0", "--webhook-cert-dir=" + certs, "--kubeconfig=" + kubeconfig_});
  int webhook_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(serve.WaitForLine("spillway: webhook on port "), &webhook_port));
  const std::string manifest = absl::StrCat(tmp_, "/service-webhook.yaml");
  std::ofstream(manifest) << kCluster << absl::StrCat(R"(---
apiVersion: v1
kind: Service
metadata: {name: spillway-webhook, namespace: kube-system}
spec:
  selector: {app: spillway}
  ports: [{name: https, port: 443, targetPort: 9443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: spillway-webhook-abcde
  namespace: kube-system
  labels: {kubernetes.io/service-name: spillway-webhook}
addressType: IPv4
ports: [{name: https, port: )", webhook_port, R"(, protocol: TCP}]
endpoints:
- addresses: [10.0.0.9]
  conditions: {ready: false}
- addresses: [127.0.0.1]
  conditions: {ready: true}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: spillway-by-service}
webhooks:
- name: pods.spillway.alibabacloud.com
  clientConfig:
    service: {namespace: kube-system, name: spillway-webhook, path: /mutate/pods, port: 443}
    caBundle: )", absl::Base64Escape(testing::ReadRunfile("testdata/pki/ca.crt")), R"(
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  failurePolicy: Ignore
  sideEffects: None
  admissionReviewVersions: [v1]
  timeoutSeconds: 5
)");
  CommandResult applied = Kubectl("apply -f " + manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  CommandResult created = CreatePod("eci-1", "plain", "  labels: {alibabacloud.com/eci: \"true\"}\n");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(PodField("eci-1", "plain", "{.spec.tolerations[0].key}"), "virtual-kubelet.io/provider");

  // No ready endpoint: admitted unchanged (Ignore), and reported.
  ASSERT_EQ(Kubectl("delete endpointslice spillway-webhook-abcde -n kube-system").exit_code, 0);
  ASSERT_EQ(CreatePod("eci-2", "plain", "  labels: {alibabacloud.com/eci: \"true\"}\n").exit_code, 0);
  EXPECT_EQ(PodField("eci-2", "plain", "{.spec.tolerations}"), "");
  ASSERT_EQ(CreatePod("eci-3", "plain", "  labels: {alibabacloud.com/eci: \"true\"}\n").exit_code, 0);
  const std::string events =
      Kubectl("get events -n default -o jsonpath='{range .items[*]}{.type} {.reason} {.count} "
              "{.involvedObject.name}: {.message}{\"\\n\"}{end}'")
          .output;
  EXPECT_THAT(events, HasSubstr("Warning FailedCallingWebhook 2 spillway-by-service: failed calling webhook "
                                "\"pods.spillway.alibabacloud.com\": clientConfig.service kube-system/spillway-webhook: "
                                "no ready endpoint in its EndpointSlices (kubernetes.io/service-name=spillway-webhook); "
                                "failurePolicy Ignore let the request through unchanged"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

}  // namespace
}  // namespace spillway::app
