// `spillway serve --kubeconfig` against `spillway apiserver`, both the real
// binary, with the cluster shaped by the real kubectl: the extender reports
// not-ready until its node and namespace caches are listed, classifies nodes
// it knows only by name from the node informer (labels, taints), honours
// namespace opt-in labels, and follows changes live.
#include "app/cluster_e2e_fixture.h"

namespace spillway::app {
namespace {

TEST_F(ClusterE2eTest, NamesModeAndNamespaceOptInComeFromTheInformers) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster;
  CommandResult applied = Kubectl("apply -f " + manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;

  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  http::Client& client = *connected;
  ASSERT_TRUE(AwaitStatus(client, "/readyz", 200));

  // edge-pool-1 is virtual by its label (not by name): only the informer knows.
  std::string plain = Filter(client, "plain");
  EXPECT_THAT(plain, HasSubstr(R"("NodeNames":["ecs-1"])"));
  EXPECT_THAT(plain, HasSubstr(R"("edge-pool-1")"));
  // The namespace's alibabacloud.com/eci=true label sends every pod to ECI.
  std::string burst = Filter(client, "burst-ns");
  EXPECT_THAT(burst, HasSubstr(R"("NodeNames":["edge-pool-1"])"));
  EXPECT_THAT(burst, HasSubstr("namespace burst-ns label alibabacloud.com/eci=true"));

  // Changes made with kubectl reach the caches while serving.
  ASSERT_EQ(Kubectl("label namespace burst-ns alibabacloud.com/eci-").exit_code, 0);
  ASSERT_EQ(Kubectl("label node ecs-1 type=virtual-kubelet").exit_code, 0);
  std::string after;
  for (int i = 0; i < 500; ++i) {
    after = Filter(client, "burst-ns");
    if (after.find(R"("NodeNames":[])") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(after, HasSubstr(R"("NodeNames":[])"));  // Both virtual now; pod asks for nothing.

  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(ClusterE2eTest, NotReadyWhileTheApiServerIsUnreachable) {
  cluster_->apiserver().Signal(SIGKILL);
  cluster_->apiserver().Wait();
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  http::Client& client = *connected;
  absl::StatusOr<http::ClientResponse> ready = client.Get("/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 503);
  EXPECT_THAT(ready->body, HasSubstr("not synced"));
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  // Full-mode requests need no cluster and keep being answered.
  absl::StatusOr<http::ClientResponse> full = client.Post(
      "/extender/filter", testing::ReadRunfile("testdata/extender/filter_full_request.json"));
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->status, 200);
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

// The API server stops answering (frozen: connections accepted, nothing
// answered). SIGTERM must still end the process within the configured grace:
// the Lease release and every watch and list waiting on it are cut off.
TEST_F(ClusterE2eTest, SigtermWithAFrozenApiServerStopsWithinTheGrace) {
  const std::string config = absl::StrCat(tmp_, "/grace.yaml");
  std::ofstream(config) << "server: {shutdownGraceSeconds: 2}\n";
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--components=extender,autoscaler", "--kubeconfig=" + kubeconfig_,
                 "--config=" + config, "--lease-namespace=default"});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  ASSERT_TRUE(AwaitStatus(*connected, "/readyz", 200));
  // Lead first, so stopping has a Lease to release.
  bool leading = false;
  for (int i = 0; i < 500 && !leading; ++i) {
    absl::StatusOr<http::ClientResponse> metrics = connected->Get("/metrics");
    leading = metrics.ok() && metrics->body.find("\nspillway_autoscaler_leader 1\n") != std::string::npos;
    if (!leading) absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(leading);
  cluster_->apiserver().Signal(SIGSTOP);
  absl::SleepFor(absl::Milliseconds(500));  // Let calls start waiting on it.
  const absl::Time stop = absl::Now();
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
  const absl::Duration took = absl::Now() - stop;
  cluster_->apiserver().Signal(SIGCONT);
  // The grace (2 s) plus joining threads; before the fix it took over 50 s.
  EXPECT_LT(took, absl::Seconds(15)) << "shutdown waited on the frozen API server";
  EXPECT_THAT(serve.ReadAllStderr(), HasSubstr("abandoning the calls still waiting"));
}

// During an outage the extender keeps serving from its caches (ready stays
// 200), but says how stale they are.
TEST_F(ClusterE2eTest, CacheStalenessIsExposedDuringAnOutage) {
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  ASSERT_TRUE(AwaitStatus(*connected, "/readyz", 200));
  // Ready once the first list is in; the watch opens just after (on a busy
  // machine, a few milliseconds later): 0 once it is open.
  bool watching = false;
  for (const absl::Time until = absl::Now() + absl::Seconds(10); !watching && absl::Now() < until;) {
    absl::StatusOr<http::ClientResponse> before = connected->Get("/metrics");
    ASSERT_TRUE(before.ok());
    watching = absl::StrContains(before->body, "spillway_cache_last_sync_age_seconds{resource=\"nodes\"} 0\n");
    if (!watching) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(watching) << "the nodes watch never opened";
  cluster_->apiserver().Signal(SIGKILL);
  cluster_->apiserver().Wait();
  absl::SleepFor(absl::Milliseconds(1500));
  absl::StatusOr<http::ClientResponse> during = connected->Get("/metrics");
  ASSERT_TRUE(during.ok());
  const std::string prefix = "spillway_cache_last_sync_age_seconds{resource=\"nodes\"} ";
  const size_t at = during->body.find(prefix);
  ASSERT_NE(at, std::string::npos);
  double age = 0;
  ASSERT_TRUE(absl::SimpleAtod(
      during->body.substr(at + prefix.size(), during->body.find('\n', at) - at - prefix.size()), &age));
  EXPECT_GE(age, 1.0);
  EXPECT_EQ(connected->Get("/readyz")->status, 200) << "a synced cache keeps serving";
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

// The eci-profile as users write it (the documentation's example), applied
// with kubectl: the extender judges pods by it, follows edits without a
// restart, refuses a bad edit (keeping the profile in force, with a Warning
// Event), and forgets it when the ConfigMap goes.
TEST_F(ClusterE2eTest, ABadKubeconfigFailsAtStartNamingTheFile) {
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + tmp_ + "/missing.yaml"});
  EXPECT_EQ(serve.Wait(), 2);
  EXPECT_THAT(serve.ReadAllStderr(), HasSubstr("missing.yaml"));
}

// Marks a pod as kube-scheduler does when regular nodes are full.
std::string UnschedulableStatus() {
  return R"('{"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}.","lastTransitionTime":"2026-11-22T08:00:00Z"}]}}')";
}

TEST_F(ClusterE2eTest, TwoAutoscalerReplicasOneActsTheOtherTakesOver) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster;
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  auto replica = [&] {
    return std::make_unique<Process>(std::vector<std::string>{
        testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0", "--components=autoscaler",
        "--kubeconfig=" + kubeconfig_, "--lease-namespace=default", "--lease-name=spillway-test"});
  };
  std::unique_ptr<Process> first = replica();
  std::unique_ptr<http::Client> first_client = ClientFor(*first);
  ASSERT_NE(first_client, nullptr);
  ASSERT_TRUE(AwaitStatus(*first_client, "/readyz", 200));
  std::unique_ptr<Process> second = replica();
  std::unique_ptr<http::Client> second_client = ClientFor(*second);
  ASSERT_NE(second_client, nullptr);

  auto rescued = [&](const std::string& pod) {
    for (int i = 0; i < 1000; ++i) {
      CommandResult got = Kubectl("get pod " + pod + " -n plain -o jsonpath='{.metadata.annotations.alibabacloud\\.com/burst-resource}'");
      if (got.output == "eci") return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  };
  ASSERT_EQ(Kubectl("run web-1 -n plain --image=nginx --restart=Never").exit_code, 0);
  ASSERT_EQ(Kubectl("patch pod web-1 -n plain --subresource=status --type=merge -p " + UnschedulableStatus()).exit_code, 0);
  ASSERT_TRUE(rescued("web-1"));
  EXPECT_EQ(Kubectl("get pod web-1 -n plain -o jsonpath='{.spec.tolerations[0].key}'").output,
            "virtual-kubelet.io/provider");
  EXPECT_THAT(Kubectl("get events -n plain -o jsonpath={.items[*].reason}").output,
              HasSubstr("RescuedToECI"));

  // Exactly one replica holds the lease; stopping it hands over.
  const std::string holder = Kubectl("get lease spillway-test -n default -o jsonpath={.spec.holderIdentity}").output;
  ASSERT_FALSE(holder.empty());
  auto leads = [&](http::Client& client) {
    absl::StatusOr<http::ClientResponse> metrics = client.Get("/metrics");
    return metrics.ok() && metrics->body.find("\nspillway_autoscaler_leader 1\n") != std::string::npos;
  };
  ASSERT_NE(leads(*first_client), leads(*second_client));
  Process& leader = leads(*first_client) ? *first : *second;
  http::Client& standby_client = leads(*first_client) ? *second_client : *first_client;
  leader.Signal(SIGTERM);
  EXPECT_EQ(leader.Wait(), 0);
  bool took_over = false;
  for (int i = 0; i < 1000 && !took_over; ++i) {
    took_over = leads(standby_client);
    if (!took_over) absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(took_over);
  EXPECT_NE(Kubectl("get lease spillway-test -n default -o jsonpath={.spec.holderIdentity}").output, holder);
  ASSERT_EQ(Kubectl("run web-2 -n plain --image=nginx --restart=Never").exit_code, 0);
  ASSERT_EQ(Kubectl("patch pod web-2 -n plain --subresource=status --type=merge -p " + UnschedulableStatus()).exit_code, 0);
  EXPECT_TRUE(rescued("web-2"));
}

TEST_F(ClusterE2eTest, TheAutoscalerRefusesToStartWithoutACluster) {
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--components=autoscaler", "--standalone"});
  EXPECT_EQ(serve.Wait(), 1);
  EXPECT_THAT(serve.ReadAllStderr(), HasSubstr("the autoscaler needs cluster access"));
}

class ElasticWorkloadE2eTest : public ClusterE2eTest {
 protected:
  // Runs `kubectl <args>` until `done` accepts its output (up to 10 s);
  // answers the last output.
  std::string AwaitOutput(const std::string& args, const std::function<bool(const std::string&)>& done) {
    std::string got;
    for (int i = 0; i < 500; ++i) {
      got = Kubectl(args).output;
      if (done(got)) return got;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return got;
  }

  // Runs `kubectl <args>` until it prints exactly `want`.
  std::string AwaitEquals(const std::string& args, const std::string& want) {
    return AwaitOutput(args, [&](const std::string& got) { return got == want; });
  }

  // A bad spec: refused by the CRD's rule when it has one, otherwise
  // Ready=False with the reason and nothing scaled; then the sample's spec is
  // restored. `source` and `unit` print the two workloads' replicas.
  void ExpectBadSpecsRefusedOrReported(const std::string& source, const std::string& unit) {
    // A source min above its max never gets in: the CRD's validation rule
    // refuses it, as on a real cluster (issue 21.5).
    CommandResult inverted =
        Kubectl("patch ew elasticworkload-sample --type=merge -p '{\"spec\":{\"sourceTarget\":{\"min\":12}}}'");
    EXPECT_NE(inverted.exit_code, 0);
    EXPECT_THAT(inverted.output, HasSubstr("sourceTarget.min must not exceed sourceTarget.max"));
    // A bad spec the CRD lets through (a unit's min above its max): Ready=False
    // with the reason, nothing scaled.
    ASSERT_EQ(Kubectl("patch ew elasticworkload-sample --type=merge -p '{\"spec\":{\"elasticUnit\":[{\"name\":"
                      "\"virtual-kubelet\",\"labels\":{\"alibabacloud.com/eci\":\"true\"},\"min\":5,\"max\":1}]}}'")
                  .exit_code,
              0);
    EXPECT_EQ(AwaitEquals("get ew elasticworkload-sample -o jsonpath={.status.conditions[0].message}",
                    "spec.elasticUnit[0].min (5) is greater than max (1)"),
              "spec.elasticUnit[0].min (5) is greater than max (1)");
    EXPECT_THAT(Kubectl("get events -o jsonpath={.items[*].reason}").output, HasSubstr("InvalidSpec"));
    EXPECT_EQ(Kubectl(source).output, "10");
    ASSERT_EQ(Kubectl("patch ew elasticworkload-sample --type=merge -p '{\"spec\":{\"sourceTarget\":{\"min\":2,"
                      "\"max\":4},\"elasticUnit\":[{\"name\":\"virtual-kubelet\",\"labels\":{\"alibabacloud.com/eci\":"
                      "\"true\"}}]}}'")
                  .exit_code,
              0);
    EXPECT_EQ(AwaitEquals(unit, "6"), "6");
  }
};

TEST_F(ElasticWorkloadE2eTest, ElasticWorkloadSampleSplitsScalesAndReturnsOnDelete) {
  const std::string crd = testing::RunfilePath("deploy/elasticworkload-crd.yaml");
  ASSERT_EQ(Kubectl("apply -f " + crd).exit_code, 0);
  const std::string manifest = testing::RunfilePath("testdata/elasticworkload/sample.yaml");
  CommandResult applied = Kubectl("apply -f " + manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0", "--components=autoscaler",
                 "--kubeconfig=" + kubeconfig_, "--leader-elect=false"});
  ASSERT_NE(ClientFor(serve), nullptr);

  const std::string source = "get deployment nginx-deployment-basic -o jsonpath={.spec.replicas}";
  const std::string unit = "get deployment nginx-deployment-basic-unit-virtual-kubelet -o jsonpath={.spec.replicas}";
  EXPECT_EQ(AwaitEquals(source, "4"), "4");
  EXPECT_EQ(AwaitEquals(unit, "2"), "2");
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic-unit-virtual-kubelet "
                    "-o jsonpath='{.spec.template.metadata.labels.alibabacloud\\.com/eci} "
                    "{.metadata.ownerReferences[0].kind} {.spec.selector.matchLabels.autoscaling\\.alibabacloud\\.com/elastic-unit}'")
                .output,
            "true ElasticWorkload virtual-kubelet");
  EXPECT_EQ(AwaitEquals("get ew elasticworkload-sample -o jsonpath='{.status.replicas} {.status.selector} "
                  "{.status.sourceTarget.desiredReplicas} {.status.elasticUnitsStatus[0].name} "
                  "{.status.elasticUnitsStatus[0].desiredReplicas}'",
                  "6 app=nginx 4 nginx-deployment-basic-unit-virtual-kubelet 2"),
            "6 app=nginx 4 nginx-deployment-basic-unit-virtual-kubelet 2");
  CommandResult as_json = Kubectl("get ew elasticworkload-sample -o json");
  ASSERT_EQ(as_json.exit_code, 0) << as_json.output;
  EXPECT_THAT(as_json.output, HasSubstr("\"updateTimestamp\""));
  EXPECT_THAT(as_json.output, HasSubstr("\"finalizers\": [\n            \"autoscaling.alibabacloud.com/elastic-workload\""));
  // The unit's pods reach a tainted virtual node without the webhook: its
  // labels ask for ECI, so its template tolerates the virtual-node taint.
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic-unit-virtual-kubelet "
                    "-o jsonpath='{.spec.template.spec.tolerations[0].key}'").output,
            "virtual-kubelet.io/provider");
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic -o jsonpath='{.spec.template.spec.tolerations}'").output, "")
      << "the source is untouched";
  // Events as the documentation shows them: reason, message (prefix), source.
  const std::string events = Kubectl(
      "get events -o jsonpath='{range .items[*]}{.source.component}|{.reason}|{.message}{\"\\n\"}{end}'").output;
  EXPECT_THAT(events, HasSubstr("ElasticWorkload|SourceUpdate|Source Target scale from 2 to 4"));
  EXPECT_THAT(events, HasSubstr("ElasticWorkload|UnitCreation|ElasticWorkloadUnit nginx-deployment-basic-unit-virtual-kubelet created"));
  EXPECT_THAT(events, HasSubstr("ElasticWorkload|ElasticWorkloadUpdate|ElasticWorkload update"));

  // What an HPA does, through the scale subresource. The source's 4 replicas
  // are available (the Deployment controller would say so), so the unit may go.
  ASSERT_EQ(Kubectl("patch deployment nginx-deployment-basic --subresource=status --type=merge "
                    "-p '{\"status\":{\"availableReplicas\":4,\"readyReplicas\":4}}'").exit_code, 0);
  ASSERT_EQ(Kubectl("scale ew elasticworkload-sample --replicas=4").exit_code, 0);
  EXPECT_EQ(AwaitEquals(unit, "0"), "0");
  EXPECT_EQ(Kubectl(source).output, "4");
  ASSERT_EQ(Kubectl("scale ew elasticworkload-sample --replicas=10").exit_code, 0);
  EXPECT_EQ(AwaitEquals(unit, "6"), "6");
  EXPECT_EQ(Kubectl(source).output, "4");
  EXPECT_THAT(Kubectl("get events -o jsonpath='{range .items[*]}{.reason}|{.message}{\"\\n\"}{end}'").output,
              HasSubstr("UnitUpdate|ElasticWorkloadUnit virtual-kubelet has been updated: scale from 0 to 6"));

  // Make-before-break: max raised to 10 moves 6 replicas to the source; the
  // unit keeps them until the source reports them available.
  ASSERT_EQ(Kubectl("patch ew elasticworkload-sample --type=merge -p '{\"spec\":{\"sourceTarget\":{\"max\":10}}}'").exit_code, 0);
  EXPECT_EQ(AwaitEquals(source, "10"), "10");
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Kubectl(unit).output, "6");
  ASSERT_EQ(Kubectl("patch deployment nginx-deployment-basic --subresource=status --type=merge "
                    "-p '{\"status\":{\"availableReplicas\":10,\"readyReplicas\":10}}'").exit_code, 0);
  EXPECT_EQ(AwaitEquals(unit, "0"), "0");

  ASSERT_NO_FATAL_FAILURE(ExpectBadSpecsRefusedOrReported(source, unit));

  // Deleting it returns the source to the full count, then the units go.
  ASSERT_EQ(Kubectl("patch deployment nginx-deployment-basic --subresource=status --type=merge "
                    "-p '{\"status\":{\"availableReplicas\":10,\"readyReplicas\":10}}'").exit_code, 0);
  CommandResult deleted = Kubectl("delete ew elasticworkload-sample --wait=false");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_THAT(AwaitOutput("get ew elasticworkload-sample",
                           [](const std::string& got) { return got.find("NotFound") != std::string::npos; }),
              HasSubstr("NotFound"));
  EXPECT_EQ(Kubectl(source).output, "10");
  EXPECT_THAT(Kubectl(unit).output, HasSubstr("NotFound"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(ClusterE2eTest, TheExtenderHonoursTheEciQuota) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster;
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  // The virtual node advertises room for 2 ECI pods; one runs already.
  ASSERT_EQ(Kubectl("patch node edge-pool-1 --subresource=status --type=merge "
                    "-p '{\"status\":{\"allocatable\":{\"cpu\":\"1000\",\"memory\":\"6400Ti\",\"pods\":\"2\"}}}'").exit_code, 0);
  const std::string running = absl::StrCat(tmp_, "/running.yaml");
  std::ofstream(running) << R"(apiVersion: v1
kind: Pod
metadata: {name: eci-1, namespace: burst-ns}
spec:
  nodeName: edge-pool-1
  containers: [{name: app, image: nginx, resources: {requests: {cpu: "1", memory: 1Gi}}}]
status: {phase: Running}
)";
  ASSERT_EQ(Kubectl("apply -f " + running).exit_code, 0);
  const std::string config = absl::StrCat(tmp_, "/quota.yaml");
  std::ofstream(config) << "eciQuota:\n  namespaces:\n    burst-ns: {memory: 1Gi}\n";
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_, "--config=" + config});
  std::unique_ptr<http::Client> client = ClientFor(serve);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(AwaitStatus(*client, "/readyz", 200));
  // The namespace's 1Gi is used up: the virtual node fails (resolvable) with the cap named.
  std::string burst = Filter(*client, "burst-ns");
  EXPECT_THAT(burst, HasSubstr(R"("NodeNames":[])"));
  EXPECT_THAT(burst, HasSubstr("ECI quota: namespace burst-ns memory cap 1Gi would be exceeded (1Gi used, the pod asks 512Mi)"));
  // Issue 26.1: the quota's metrics are named for what they are, not for the
  // autoscaler; the old names stay (deprecated) for one minor release.
  const std::string metrics = client->Get("/metrics")->body;
  EXPECT_THAT(metrics, HasSubstr("spillway_eci_quota_cap{resource=\"pods\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("spillway_autoscaler_eci_quota_cap{resource=\"pods\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("# HELP spillway_autoscaler_eci_quota_used Deprecated: use spillway_eci_quota_used"));
  // The ECI pod finishes: room again.
  ASSERT_EQ(Kubectl("delete pod eci-1 -n burst-ns").exit_code, 0);
  std::string after;
  for (int i = 0; i < 500; ++i) {
    after = Filter(*client, "burst-ns");
    if (after.find(R"("NodeNames":["edge-pool-1"])") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(after, HasSubstr(R"("NodeNames":["edge-pool-1"])"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(ClusterE2eTest, AStockOutCoolsAVirtualNodeDownAndFreesStuckPods) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster << kStockPods;
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--components=extender,autoscaler", "--kubeconfig=" + kubeconfig_, "--leader-elect=false"});
  std::unique_ptr<http::Client> client = ClientFor(serve);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(AwaitStatus(*client, "/readyz", 200));
  const std::string request = absl::StrCat(R"({"Pod":)", PodJson("burst-ns"),
                                           R"(,"Nodes":null,"NodeNames":["edge-pool-1","virtual-kubelet-cn-hangzhou-k"]})");
  EXPECT_THAT(client->Post("/extender/filter", request)->body,
              HasSubstr(R"("NodeNames":["edge-pool-1","virtual-kubelet-cn-hangzhou-k"])"));

  // The virtual kubelet reports the zone out of stock for the stuck pod.
  const std::string event = absl::StrCat(tmp_, "/event.yaml");
  std::ofstream(event) << StockEvent("stuck", "NoStock", kNoStockMessage);
  ASSERT_EQ(Kubectl("apply -f " + event).exit_code, 0);
  // A pod that asked virtual-kubelet to keep retrying, and one that saw only
  // low stock (StockExhaust): neither is deleted.
  const std::string more = absl::StrCat(tmp_, "/more-events.yaml");
  std::ofstream(more) << StockEvent("retrying", "NoStock", kNoStockMessage) << "---\n"
                       << StockEvent("low-stock", "StockExhaust", "The stock of the specified zones will be used up.");
  ASSERT_EQ(Kubectl("apply -f " + more).exit_code, 0);
  std::string filtered;
  for (int i = 0; i < 500; ++i) {
    filtered = client->Post("/extender/filter", request)->body;
    if (filtered.find(R"("NodeNames":["virtual-kubelet-cn-hangzhou-k"])") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(filtered, HasSubstr(R"("NodeNames":["virtual-kubelet-cn-hangzhou-k"])"));
  EXPECT_THAT(filtered, HasSubstr("virtual node edge-pool-1 reported NoStock; avoided until"));
  // The controller-owned pod is deleted so it is recreated elsewhere; the bare one stays.
  std::string stuck;
  for (int i = 0; i < 500; ++i) {
    stuck = Kubectl("get pod stuck -n burst-ns").output;
    if (stuck.find("NotFound") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(stuck, HasSubstr("NotFound"));
  EXPECT_EQ(Kubectl("get pod bare -n burst-ns -o jsonpath={.metadata.name}").output, "bare");
  absl::SleepFor(absl::Milliseconds(300));  // Time to (wrongly) delete them.
  EXPECT_EQ(Kubectl("get pod retrying -n burst-ns -o jsonpath={.metadata.name}").output, "retrying")
      << "eci-reschedule-enable: the user asked virtual-kubelet to keep retrying";
  EXPECT_EQ(Kubectl("get pod low-stock -n burst-ns -o jsonpath={.metadata.name}").output, "low-stock")
      << "StockExhaust: stock is low, not gone";
  EXPECT_THAT(client->Get("/metrics")->body,
              HasSubstr("spillway_autoscaler_stock_cool_downs_total{reason=\"NoStock\"} 1"));
  // The only virtual candidate is never cooled away: the pod must go somewhere.
  const std::string only = absl::StrCat(R"({"Pod":)", PodJson("burst-ns"), R"(,"Nodes":null,"NodeNames":["edge-pool-1"]})");
  EXPECT_THAT(client->Post("/extender/filter", only)->body, HasSubstr(R"("NodeNames":["edge-pool-1"])"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

}  // namespace
}  // namespace spillway::app
