#include "webhook/profile_watcher.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"

namespace spillway::webhook {

ProfileWatcher::ProfileWatcher(kube::Informer<kube::ConfigMap>& informer, burst::EciProfileStore& store,
                               kube::EventRecorder* events, prometheus::Registry& registry)
    : store_(store),
      events_(events),
      selectors_(prometheus::BuildGauge()
                     .Name("spillway_eci_profile_selectors")
                     .Help("Selectors of the eci-profile in force")
                     .Register(registry)
                     .Add({})),
      rejected_(prometheus::BuildCounter()
                    .Name("spillway_eci_profile_rejected_total")
                    .Help("Edits of the eci-profile refused (the last good profile stayed in force)")
                    .Register(registry)
                    .Add({})),
      applied_(prometheus::BuildCounter()
                   .Name("spillway_eci_profile_applied_total")
                   .Help("Versions of the eci-profile put in force")
                   .Register(registry)
                   .Add({})) {
  kube::Informer<kube::ConfigMap>::Handler handler;
  handler.on_add = [this](const kube::ConfigMap& config_map) { Apply(config_map); };
  handler.on_update = [this](const kube::ConfigMap&, const kube::ConfigMap& config_map) {
    Apply(config_map);
  };
  handler.on_delete = [this](const kube::ConfigMap& config_map) { Remove(config_map); };
  informer.AddHandler(std::move(handler));
}

void ProfileWatcher::Apply(const kube::ConfigMap& config_map) {
  const std::string where =
      absl::StrCat(config_map.metadata.namespace_, "/", config_map.metadata.name);
  absl::StatusOr<burst::EciProfile> parsed = burst::ParseEciProfile(config_map.data);
  if (!parsed.ok()) {
    rejected_.Increment();
    const std::shared_ptr<const burst::EciProfile> kept = store_.Get();
    LOG(WARNING) << "eci-profile " << where << " (resourceVersion "
                 << config_map.metadata.resource_version << ") refused: " << parsed.status().message()
                 << "; the profile of resourceVersion \"" << kept->resource_version
                 << "\" stays in force";
    if (events_ != nullptr) {
      (void)events_->Record({"v1", "ConfigMap", config_map.metadata.namespace_, config_map.metadata.name,
                             config_map.metadata.uid},
                            kube::EventType::kWarning, "InvalidEciProfile",
                            absl::StrCat("Spillway refused this eci-profile: ", parsed.status().message(),
                                         "; the previous profile stays in force"));
    }
    return;
  }
  parsed->resource_version = config_map.metadata.resource_version;
  for (const std::string& problem : burst::CheckProfileSettings(*parsed)) {
    LOG(WARNING) << "eci-profile " << where << ": " << problem
                 << " (a virtual-kubelet setting; Spillway does not act on it)";
  }
  std::vector<std::string> names;
  for (const burst::ProfileSelector& selector : parsed->selectors) names.push_back(selector.name);
  LOG(INFO) << "eci-profile " << where << " (resourceVersion " << parsed->resource_version
            << ") in force: " << names.size() << " selector(s)"
            << (names.empty() ? "" : ": ") << absl::StrJoin(names, ", ");
  selectors_.Set(static_cast<double>(names.size()));
  applied_.Increment();
  store_.Set(std::make_shared<const burst::EciProfile>(*std::move(parsed)));
}

void ProfileWatcher::Remove(const kube::ConfigMap& config_map) {
  LOG(INFO) << "eci-profile " << config_map.metadata.namespace_ << "/" << config_map.metadata.name
            << " deleted: no selectors in force";
  selectors_.Set(0);
  store_.Set(std::make_shared<const burst::EciProfile>());
}

}  // namespace spillway::webhook
