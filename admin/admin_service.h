// The admin gRPC service (proto/admin.proto): Explain and Status over what the
// process knows — the shared caches, the intent resolver, the eci-profile in
// force, ECI quota and stock cool-downs — plus what each running component
// contributes (contributor.h). Read-only: reads the API server (the pod,
// its Events, the Lease, ElasticWorkloads) and never writes.
//
// Threading: gRPC calls the handlers from its own threads, concurrently;
// everything read is thread-safe (informer caches, snapshots, the client).
#ifndef SPILLWAY_ADMIN_ADMIN_SERVICE_H_
#define SPILLWAY_ADMIN_ADMIN_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "admin/contributor.h"
#include "burst/eci_profile.h"
#include "burst/eci_quota.h"
#include "burst/intent_resolver.h"
#include "burst/stock.h"
#include "burst/virtual_node.h"
#include "kube/cluster_informers.h"
#include "kube/rest_client.h"
#include "proto/admin.grpc.pb.h"

namespace spillway::admin {

// What the service reads; everything referenced must outlive it. Cluster
// parts are null without cluster access.
struct AdminSources {
  const burst::IntentResolver& resolver;
  const burst::VirtualNodeRule& rule;
  const burst::EciProfileStore& eci_profile;
  std::string eci_profile_config_map;  // "namespace/name"
  kube::RestClient* client = nullptr;
  kube::ClusterInformers* informers = nullptr;
  const burst::EciQuota* quota = nullptr;
  const burst::StockCoolDowns* stock = nullptr;
  // The process's components and their readiness.
  std::function<std::vector<v1::ComponentStatus>()> components;
  // The running components' contributions.
  std::function<std::vector<const Contributor*>()> contributors;
};

class AdminService final : public v1::Admin::Service {
 public:
  explicit AdminService(AdminSources sources) : sources_(std::move(sources)) {}

  grpc::Status Explain(grpc::ServerContext* context, const v1::ExplainRequest* request,
                       v1::ExplainResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                      v1::StatusResponse* response) override;

  // The same answers without gRPC (the handlers call these).
  absl::StatusOr<v1::ExplainResponse> ExplainPod(const std::string& ns, const std::string& name) const;
  v1::StatusResponse CurrentStatus() const;

 private:
  void AddIntent(const kube::Pod& pod, v1::ExplainResponse& out) const;
  // Every known node with what kube-scheduler's own filters say before the
  // extender is asked (taints, selectors, cordons and, with the pod cache,
  // resources); the extender contributes verdicts for the rest.
  void AddNodes(const kube::Pod& pod, v1::ExplainResponse& out) const;
  void AddEvents(const kube::Pod& pod, v1::ExplainResponse& out) const;
  void AddCaches(v1::StatusResponse& out) const;
  void AddQuotaAndStock(v1::StatusResponse& out) const;
  void AddProfile(v1::StatusResponse& out) const;
  void AddLeaseHolder(v1::StatusResponse& out) const;
  void AddElasticWorkloads(v1::StatusResponse& out) const;

  const AdminSources sources_;
};

// An absl::Status as the gRPC status with the same code and message.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace spillway::admin

#endif  // SPILLWAY_ADMIN_ADMIN_SERVICE_H_
