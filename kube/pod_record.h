// PodRecord: what an informer's pod cache keeps of each pod.
//
// A cluster has two orders of magnitude more pods than nodes, and a decoded
// kube::Pod (spec details for placement decisions) costs ~2.4 KB; 150,000 of
// them would not fit the controller's memory budget. A PodRecord keeps only
// what controllers and the capacity view read from the cache (identity,
// placement, requests, phase, the PodScheduled verdict, the controller owner,
// labels, Spillway's annotations, and the facts ECI cares about as flags),
// with its strings packed into one buffer: ~0.6 KB per pod, map entry
// included. A controller about to act on a pod reads the whole object from the
// API server (it must anyway, to write it back with optimistic concurrency).
//
// Immutable after From(); safe to share between threads.
#ifndef SPILLWAY_KUBE_POD_RECORD_H_
#define SPILLWAY_KUBE_POD_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kube/json_reader.h"
#include "kube/objects.h"

namespace spillway::kube {

class PodRecord {
 public:
  PodRecord() = default;
  static PodRecord From(const Pod& pod);

  absl::string_view namespace_() const { return Field(kNamespace); }
  absl::string_view name() const { return Field(kName); }
  absl::string_view uid() const { return Field(kUid); }
  absl::string_view resource_version() const { return Field(kResourceVersion); }
  absl::string_view node_name() const { return Field(kNodeName); }
  absl::string_view phase() const { return Field(kPhase); }
  absl::string_view status_reason() const { return Field(kStatusReason); }
  // kube-scheduler's message and since when, when unschedulable().
  absl::string_view scheduling_message() const { return Field(kSchedulingMessage); }
  absl::string_view unschedulable_since() const { return Field(kUnschedulableSince); }
  // The controller ownerReference (empty kind when there is none).
  absl::string_view owner_api_version() const { return Field(kOwnerApiVersion); }
  absl::string_view owner_kind() const { return Field(kOwnerKind); }
  absl::string_view owner_name() const { return Field(kOwnerName); }
  absl::string_view owner_uid() const { return Field(kOwnerUid); }
  const StringMap& labels() const { return labels_; }
  // Only the annotations kube::IsKeptAnnotation() keeps.
  const StringMap& annotations() const { return annotations_; }
  // What the pod needs from a node (containers vs init containers, see Pod).
  Resources requests() const { return requests_; }

  bool unschedulable() const { return flags_ & kUnschedulable; }
  bool deleting() const { return flags_ & kDeleting; }
  bool host_network() const { return flags_ & kHostNetwork; }
  bool privileged() const { return flags_ & kPrivileged; }
  bool host_ports() const { return flags_ & kHostPorts; }
  bool host_path_volumes() const { return flags_ & kHostPathVolumes; }

  // "namespace/name".
  std::string Key() const;
  // Heap and inline bytes this record holds (for memory accounting).
  size_t bytes() const;

 private:
  enum FieldIndex {
    kNamespace,
    kName,
    kUid,
    kResourceVersion,
    kNodeName,
    kPhase,
    kStatusReason,
    kSchedulingMessage,
    kUnschedulableSince,
    kOwnerApiVersion,
    kOwnerKind,
    kOwnerName,
    kOwnerUid,
    kFieldCount,
  };
  enum Flag : uint8_t {
    kUnschedulable = 1,
    kDeleting = 2,
    kHostNetwork = 4,
    kPrivileged = 8,
    kHostPorts = 16,
    kHostPathVolumes = 32,
  };

  // The `index`-th of the length-prefixed strings in fields_.
  absl::string_view Field(int index) const;

  std::string fields_;
  StringMap labels_;
  StringMap annotations_;
  Resources requests_;
  uint8_t flags_ = 0;
};

// The informer decoder for PodRecord caches (DecodePod, then packed).
absl::Status DecodePodRecord(json::value v, const json::Path& path, PodRecord* record);

// The informer's key and version of a record.
inline std::string RecordKey(const PodRecord& record) { return record.Key(); }
inline absl::string_view RecordVersion(const PodRecord& record) {
  return record.resource_version();
}

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_POD_RECORD_H_
