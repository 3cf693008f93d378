#include "cluster_state/profile_watcher.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/json_fields.h"
#include "glog/logging.h"

namespace spillway::cluster_state {
namespace {

// FNV-1a, 64 bits: stable across processes and builds (absl::Hash is not),
// which content addressing needs; not a defence against anyone.
uint64_t ContentHash(const burst::EciProfile& profile) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  auto add = [&hash](absl::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
    hash ^= 0xff;  // A separator no text contains.
    hash *= 0x100000001b3ULL;
  };
  add(profile.selectors_text);
  for (const auto& [key, value] : profile.settings) {
    add(key);
    add(value);
  }
  return hash;
}

}  // namespace

ProfileWatcher::ProfileWatcher(kube::Informer<kube::ConfigMap>& informer, burst::EciProfileStore& store,
                               kube::EventRecorder* events, prometheus::Registry& registry,
                               Visibility visibility)
    : store_(store),
      events_(events),
      visibility_(std::move(visibility)),
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
  if (visibility_.client != nullptr) retry_thread_ = std::thread([this] { RetryLoop(); });
}

ProfileWatcher::~ProfileWatcher() { Stop(); }

void ProfileWatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  if (retry_thread_.joinable()) retry_thread_.join();
}

void ProfileWatcher::RetryLoop() {
  for (;;) {
    std::optional<std::pair<kube::ConfigMap, burst::EciProfile>> pending;
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopped_), absl::Seconds(2))) return;
      pending = std::move(pending_);
      pending_.reset();
    }
    if (pending.has_value()) Show(pending->first, pending->second);
  }
}

void ProfileWatcher::Show(const kube::ConfigMap& config_map, const burst::EciProfile& profile) {
  if (visibility_.client == nullptr || TryShow(config_map, profile)) return;
  absl::MutexLock lock(&mu_);
  pending_.emplace(config_map, profile);
}

void ProfileWatcher::Apply(const kube::ConfigMap& config_map) {
  const std::string where =
      absl::StrCat(config_map.metadata.namespace_, "/", config_map.metadata.name);
  absl::StatusOr<burst::EciProfile> parsed = burst::ParseEciProfile(config_map.data);
  if (!parsed.ok()) {
    rejected_.Increment();
    const std::shared_ptr<const burst::EciProfile> kept = store_.Get();
    std::shared_ptr<const burst::EciProfile> recovered;
    if (kept->resource_version.empty()) recovered = Recover();
    if (recovered != nullptr) {
      selectors_.Set(static_cast<double>(recovered->selectors.size()));
      store_.Set(recovered);
    }
    LOG(WARNING) << "eci-profile " << where << " (resourceVersion "
                 << config_map.metadata.resource_version << ") refused: " << parsed.status().message()
                 << (recovered != nullptr
                         ? absl::StrCat("; the last good profile, read back from MutatingWebhookConfiguration ",
                                        visibility_.webhook_configuration, ", is in force: ",
                                        InForce(*recovered))
                         : absl::StrCat("; the profile of resourceVersion \"", kept->resource_version,
                                        "\" stays in force"));
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
  const std::shared_ptr<const burst::EciProfile> current = store_.Get();
  if (current->selectors_text == parsed->selectors_text && current->settings == parsed->settings &&
      !current->resource_version.empty()) {
    // Only metadata changed (e.g. another replica's annotation): nothing to
    // apply and nothing to show; answering it with a write is how replicas
    // holding different profiles would overwrite each other forever.
    return;
  }
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
  auto in_force = std::make_shared<const burst::EciProfile>(*std::move(parsed));
  store_.Set(in_force);
  Show(config_map, *in_force);
}

std::string ProfileWatcher::InForce(const burst::EciProfile& profile) {
  std::vector<std::string> names;
  for (const burst::ProfileSelector& selector : profile.selectors) names.push_back(selector.name);
  return absl::StrCat(names.size(), " selector(s)", names.empty() ? "" : " (", absl::StrJoin(names, ", "),
                      names.empty() ? "" : ")", "; content ", absl::Hex(ContentHash(profile), absl::kZeroPad16));
}

std::shared_ptr<const burst::EciProfile> ProfileWatcher::Recover() {
  if (visibility_.client == nullptr || visibility_.webhook_configuration.empty()) return nullptr;
  absl::StatusOr<boost::json::object> configuration = visibility_.client->Get(
      {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "", visibility_.webhook_configuration, ""});
  if (!configuration.ok()) return nullptr;
  const boost::json::object* annotations = json_fields::ObjectAt(*configuration, {"metadata", "annotations"});
  const boost::json::value* mirrored = annotations != nullptr ? annotations->if_contains(kMirrorAnnotation) : nullptr;
  if (mirrored == nullptr || !mirrored->is_string() || mirrored->get_string().empty()) return nullptr;
  kube::StringMap data;
  data.Set("selectors", absl::string_view(mirrored->get_string().data(), mirrored->get_string().size()));
  absl::StatusOr<burst::EciProfile> parsed = burst::ParseEciProfile(data);
  if (!parsed.ok()) return nullptr;
  parsed->resource_version = "mirrored";
  return std::make_shared<const burst::EciProfile>(*std::move(parsed));
}

bool ProfileWatcher::TryShow(const kube::ConfigMap& config_map, const burst::EciProfile& profile) {
  const std::string in_force = InForce(profile);
  bool shown = true;
  if (!config_map.metadata.annotations.Has(kInForceAnnotation, in_force)) {
    boost::json::object annotations;
    annotations[kInForceAnnotation] = in_force;
    absl::StatusOr<boost::json::object> patched = visibility_.client->Patch(
        {"", "v1", "configmaps", config_map.metadata.namespace_, config_map.metadata.name, ""},
        kube::PatchType::kMerge, boost::json::object{{"metadata", boost::json::object{{"annotations", annotations}}}});
    if (!patched.ok()) {
      // Gone meanwhile (deleted): nothing to annotate.
      if (patched.status().code() != absl::StatusCode::kNotFound) shown = false;
      LOG(WARNING) << "eci-profile: cannot annotate the ConfigMap: " << patched.status();
    }
  }
  if (visibility_.webhook_configuration.empty()) return shown;
  return TryMirror(profile, in_force) && shown;
}

bool ProfileWatcher::TryMirror(const burst::EciProfile& profile, const std::string& in_force) {
  const kube::ResourcePath path{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "",
                                visibility_.webhook_configuration, ""};
  absl::StatusOr<boost::json::object> current = visibility_.client->Get(path);
  absl::Status status = current.status();
  if (current.ok()) {
    const boost::json::object* annotations = json_fields::ObjectAt(*current, {"metadata", "annotations"});
    if (annotations != nullptr && json_fields::String(*annotations, kMirrorAnnotation) == profile.selectors_text &&
        json_fields::String(*annotations, kInForceAnnotation) == in_force) {
      return true;  // Already there (another replica, or an earlier pass, wrote the same bytes).
    }
    boost::json::object wanted;
    wanted[kMirrorAnnotation] = profile.selectors_text;
    wanted[kInForceAnnotation] = in_force;
    status = visibility_.client
                 ->Patch(path, kube::PatchType::kMerge,
                         boost::json::object{{"metadata", boost::json::object{{"annotations", wanted}}}})
                 .status();
  }
  if (status.ok()) {
    show_failures_.Reset();
    return true;
  }
  int64_t suppressed = 0;
  if (show_failures_.ShouldLog(absl::Now(), &suppressed)) {
    LOG(WARNING) << "eci-profile: cannot mirror the selectors into MutatingWebhookConfiguration "
                 << visibility_.webhook_configuration << " (retrying every 2 s"
                 << (suppressed > 0 ? absl::StrCat("; ", suppressed, " failures not logged") : "")
                 << "): " << status;
  }
  return false;
}

void ProfileWatcher::Remove(const kube::ConfigMap& config_map) {
  LOG(WARNING) << "eci-profile " << config_map.metadata.namespace_ << "/" << config_map.metadata.name
               << " deleted: no selectors in force (pods that only a selector sent to ECI now schedule on "
                  "regular nodes; create the ConfigMap again to restore them)";
  selectors_.Set(0);
  store_.Set(std::make_shared<const burst::EciProfile>());
  Show(config_map, burst::EciProfile());
}

}  // namespace spillway::cluster_state
