// Component "extender": kube-scheduler's extender protocol on the main port
// (POST /extender/filter, /extender/prioritize, /extender/preempt). Its
// cluster view is the process's informers (names mode, namespace labels,
// quota, stock cool-downs), a ready-made one (tests), or none (standalone:
// full Node objects need nothing else).
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "app/component.h"
#include "app/serve_app.h"
#include "absl/strings/match.h"
#include "glog/logging.h"
#include "scheduler/extender.h"
#include "scheduler/extender_service.h"
#include "scheduler/informer_cluster_view.h"
#include "scheduler/metrics.h"

namespace spillway::app {
namespace {

class Extender : public Component {
 public:
  explicit Extender(ProcessParts& parts) : metrics_(parts.registry) {
    view_ = parts.options.cluster_view;
    if (view_ == nullptr && parts.informers != nullptr) {
      informer_view_ = std::make_unique<scheduler::InformerClusterView>(
          parts.informers->nodes(), parts.informers->namespaces(), parts.quota, parts.stock);
      view_ = informer_view_.get();
    }
    if (view_ == nullptr) {
      LOG(INFO) << "extender: no cluster access: names-mode requests (nodeCacheCapable: true) classify "
                   "nodes by name only";
    }
    const config::Scores& scores = parts.config.extender().scores();
    scheduler::ScoreValues values;
    if (scores.has_regular_node()) values.regular_node = scores.regular_node();
    if (scores.has_virtual_node_burst()) values.virtual_node_burst = scores.virtual_node_burst();
    if (scores.has_virtual_node_eci_only()) values.virtual_node_eci_only = scores.virtual_node_eci_only();
    extender_.emplace(parts.resolver, parts.rule, view_, values);
    service_.emplace(*extender_, metrics_);
  }

  std::vector<std::string> RoutePrefixes() const override {
    return {std::string(scheduler::kExtenderPathPrefix)};
  }
  http::Response Handle(http::Request& request) override { return service_->Handle(request); }
  std::string NotReady() const override {
    if (view_ != nullptr && !view_->HasSynced()) return "the extender's node and namespace caches are not synced yet";
    return "";
  }

  // The verdict for `pod` on each node of `out` that kube-scheduler's own
  // filters pass (no scheduler hints): the candidates it would send, as
  // full Node objects, filtered and prioritized now.
  void ExplainPod(const kube::Pod& pod, admin::v1::ExplainResponse& out) const override {
    if (view_ == nullptr) {
      out.add_gaps("the extender has no cluster view (standalone), so it knows no nodes to judge");
      return;
    }
    if (!view_->HasSynced()) out.add_gaps("the extender's node cache is not synced yet");
    std::shared_ptr<const scheduler::NodeSnapshot> snapshot = view_->Nodes();
    scheduler::ExtenderArgs args;
    args.pod = pod;
    auto nodes = std::make_shared<std::vector<scheduler::CandidateNode>>();
    std::vector<admin::v1::NodeDecision*> candidates;
    for (admin::v1::NodeDecision& decision : *out.mutable_nodes()) {
      auto node = snapshot->find(decision.node());
      if (!decision.scheduler_hints().empty() || node == snapshot->end()) continue;
      nodes->push_back({*node->second, ""});
      candidates.push_back(&decision);
    }
    args.nodes = std::move(nodes);
    if (candidates.empty()) return;  // kube-scheduler would not call the extender.
    const absl::StatusOr<burst::PodPolicy> policy = extender_->Resolve(pod);
    const scheduler::NodeClasses classes = extender_->ClassifyNodes(args);
    const scheduler::FilterResult filter = extender_->Filter(args, policy, classes);
    const scheduler::HostScores scores = extender_->Prioritize(args, policy, classes);
    for (size_t i = 0; i < candidates.size(); ++i) {
      candidates[i]->set_verdict("pass");
      candidates[i]->set_score(i < scores.size() ? scores[i] : 0);
    }
    for (const auto& [failures, verdict] : {std::pair{&filter.failed, "fail"}, {&filter.unresolvable, "unresolvable"}}) {
      for (const scheduler::FilterResult::Failure& failure : *failures) {
        candidates[failure.node]->set_verdict(verdict);
        candidates[failure.node]->set_reason(filter.reasons[failure.reason]);
      }
    }
  }

 private:
  scheduler::ExtenderMetrics metrics_;
  const scheduler::ClusterView* view_ = nullptr;
  std::unique_ptr<scheduler::InformerClusterView> informer_view_;
  std::optional<scheduler::Extender> extender_;
  std::optional<scheduler::ExtenderService> service_;
};

}  // namespace

ComponentDescriptor ExtenderComponent() {
  ComponentDescriptor descriptor;
  descriptor.name = "extender";
  descriptor.create = [](ProcessParts& parts) -> absl::StatusOr<std::unique_ptr<Component>> {
    return std::make_unique<Extender>(parts);
  };
  return descriptor;
}

}  // namespace spillway::app
