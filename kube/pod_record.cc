#include "kube/pod_record.h"

#include "absl/strings/str_cat.h"
#include "kube/decode.h"

namespace spillway::kube {
namespace {

// Lengths are varints: one byte below 128.
void AppendField(absl::string_view text, std::string* out) {
  size_t n = text.size();
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  out->append(text.data(), text.size());
}

}  // namespace

PodRecord PodRecord::From(const Pod& pod) {
  PodRecord record;
  const OwnerReference* owner = pod.ControllerRef();
  const absl::string_view fields[kFieldCount] = {
      pod.metadata.namespace_,
      pod.metadata.name,
      pod.metadata.uid,
      pod.metadata.resource_version,
      pod.node_name,
      pod.phase,
      pod.status_reason,
      pod.scheduling_message,
      pod.unschedulable_since,
      owner != nullptr ? absl::string_view(owner->api_version) : absl::string_view(),
      owner != nullptr ? absl::string_view(owner->kind) : absl::string_view(),
      owner != nullptr ? absl::string_view(owner->name) : absl::string_view(),
      owner != nullptr ? absl::string_view(owner->uid) : absl::string_view(),
  };
  size_t total = 0;
  for (absl::string_view field : fields) total += field.size() + 2;
  record.fields_.reserve(total);
  for (absl::string_view field : fields) AppendField(field, &record.fields_);
  record.fields_.shrink_to_fit();
  record.labels_ = pod.metadata.labels;
  record.annotations_ = pod.metadata.annotations;
  record.labels_.ShrinkToFit();
  record.annotations_.ShrinkToFit();
  record.requests_ = pod.EffectiveRequests();
  uint8_t flags = 0;
  if (pod.unschedulable) flags |= kUnschedulable;
  if (pod.metadata.deleting) flags |= kDeleting;
  if (pod.host_network) flags |= kHostNetwork;
  for (const Container& container : pod.containers) {
    if (container.privileged) flags |= kPrivileged;
    if (!container.host_ports.empty()) flags |= kHostPorts;
  }
  for (const Volume& volume : pod.volumes) {
    if (volume.host_path) flags |= kHostPathVolumes;
  }
  record.flags_ = flags;
  return record;
}

absl::string_view PodRecord::Field(int index) const {
  size_t at = 0;
  for (int i = 0;; ++i) {
    if (at >= fields_.size()) return absl::string_view();
    size_t n = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(fields_[at++]);
      n |= static_cast<size_t>(byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    if (i == index) return absl::string_view(fields_.data() + at, n);
    at += n;
  }
}

std::string PodRecord::Key() const { return absl::StrCat(namespace_(), "/", name()); }

size_t PodRecord::bytes() const {
  return sizeof(PodRecord) + (fields_.capacity() > 15 ? fields_.capacity() + 1 : 0) +
         labels_.heap_bytes() + annotations_.heap_bytes();
}

absl::Status DecodePodRecord(json::value v, const json::Path& path, PodRecord* record) {
  Pod pod;
  if (absl::Status s = DecodePod(v, path, &pod); !s.ok()) return s;
  *record = PodRecord::From(pod);
  return absl::OkStatus();
}

}  // namespace spillway::kube
