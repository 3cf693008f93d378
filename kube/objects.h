// Compact, typed records of the Kubernetes objects Spillway reasons about.
//
// They keep only the fields Spillway uses (never managedFields, images, status
// noise), so that request decoding and the informer caches stay small and
// fast. Plain value types: no I/O, no locking; safe to share once built.
#ifndef SPILLWAY_KUBE_OBJECTS_H_
#define SPILLWAY_KUBE_OBJECTS_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace spillway::kube {

// A small string->string map (labels, annotations, nodeSelector), packed into
// one buffer of length-prefixed keys and values: objects carry a handful of
// entries, and informer caches hold hundreds of thousands of maps, so one
// allocation per map (instead of one per entry, plus a pair of std::string
// headers each) keeps caches small while a linear scan stays fast.
class StringMap {
 public:
  // The value for `key`, or nullopt when absent. The view lives as long as
  // the map is not modified.
  std::optional<absl::string_view> Find(absl::string_view key) const {
    for (size_t at = 0; at < packed_.size();) {
      absl::string_view k = Next(&at);
      absl::string_view v = Next(&at);
      if (k == key) return v;
    }
    return std::nullopt;
  }
  bool Has(absl::string_view key, absl::string_view value) const {
    std::optional<absl::string_view> found = Find(key);
    return found.has_value() && *found == value;
  }
  // Sets `key` to `value`, replacing an earlier value (JSON's last-wins rule).
  // Linear in the map's size: to build a map from a document, whose size the
  // writer chooses (kube-apiserver takes a pod with 40,000 labels), use
  // StringMapBuilder.
  void Set(absl::string_view key, absl::string_view value) {
    if (Find(key).has_value()) {
      StringMap rebuilt;
      ForEach([&](absl::string_view k, absl::string_view v) {
        rebuilt.Append(k, k == key ? value : v);
      });
      *this = std::move(rebuilt);
      return;
    }
    Append(key, value);
  }
  // Calls `fn(absl::string_view key, absl::string_view value)` per entry, in
  // insertion order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t at = 0; at < packed_.size();) {
      absl::string_view k = Next(&at);
      absl::string_view v = Next(&at);
      fn(k, v);
    }
  }
  bool empty() const { return packed_.empty(); }
  size_t size() const {
    size_t n = 0;
    ForEach([&n](absl::string_view, absl::string_view) { ++n; });
    return n;
  }
  // Bytes held on the heap (for memory accounting).
  size_t heap_bytes() const { return packed_.capacity() > 15 ? packed_.capacity() + 1 : 0; }
  void ShrinkToFit() { packed_.shrink_to_fit(); }

 private:
  friend class StringMapBuilder;
  // Lengths are varints: one byte below 128 (nearly every key and value).
  void Append(absl::string_view key, absl::string_view value) {
    for (absl::string_view text : {key, value}) {
      size_t n = text.size();
      while (n >= 0x80) {
        packed_.push_back(static_cast<char>((n & 0x7f) | 0x80));
        n >>= 7;
      }
      packed_.push_back(static_cast<char>(n));
      packed_.append(text.data(), text.size());
    }
  }
  absl::string_view Next(size_t* at) const {
    size_t n = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(packed_[(*at)++]);
      n |= static_cast<size_t>(byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    absl::string_view text(packed_.data() + *at, n);
    *at += n;
    return text;
  }

  std::string packed_;
};

// Builds a StringMap from a document's entries in time linear in their number:
// a repeated key keeps its first position and takes its last value, exactly as
// calling StringMap::Set per entry would, without Set's scan per entry (which
// made a pod with 40,000 labels take seconds to decode).
class StringMapBuilder {
 public:
  void Set(absl::string_view key, absl::string_view value) { entries_.emplace_back(key, value); }
  // The map; the builder is left empty.
  StringMap Build() {
    StringMap map;
    // Where each key was first seen (views into entries_, which no longer moves).
    absl::flat_hash_map<absl::string_view, size_t> first;
    first.reserve(entries_.size());
    size_t bytes = 0;
    for (size_t i = 0; i < entries_.size(); ++i) {
      auto [it, inserted] = first.try_emplace(entries_[i].first, i);
      if (!inserted) {
        entries_[it->second].second = std::move(entries_[i].second);  // The last value wins...
        entries_[i].first.clear();  // ... in the first position.
        duplicate_.resize(entries_.size());
        duplicate_[i] = true;
      }
      bytes += entries_[i].first.size() + entries_[i].second.size() + 4;
    }
    map.packed_.reserve(bytes);
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (duplicate_.empty() || !duplicate_[i]) map.Append(entries_[i].first, entries_[i].second);
    }
    entries_.clear();
    duplicate_.clear();
    return map;
  }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<bool> duplicate_;  // Sized only once a key repeats.
};

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

struct ObjectMeta {
  std::string name;
  // metadata.generateName: a pod a controller creates has only this at
  // admission; the API server adds the rest of the name after the webhooks.
  std::string generate_name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  StringMap labels;
  // Only the annotations Spillway reads (IsKeptAnnotation): a pod's
  // kubectl.kubernetes.io/last-applied-configuration alone can outweigh
  // everything else in its record.
  StringMap annotations;
  std::vector<OwnerReference> owner_references;
  bool deleting = false;  // metadata.deletionTimestamp is set.
};

// Whether an annotation key is one Spillway reads: ECI and burst settings
// (alibabacloud.com/, k8s.aliyun.com/), controller hints
// (controller.kubernetes.io/pod-deletion-cost) and the node autoscalers' "do
// not disrupt" (karpenter.sh/do-not-disrupt,
// cluster-autoscaler.kubernetes.io/safe-to-evict), which repatriation honours.
inline bool IsKeptAnnotation(absl::string_view key) {
  return absl::StartsWith(key, "alibabacloud.com/") || absl::StartsWith(key, "k8s.aliyun.com/") ||
         absl::StartsWith(key, "controller.kubernetes.io/") ||
         absl::StartsWith(key, "spillway.alibabacloud.com/") || key == "karpenter.sh/do-not-disrupt" ||
         key == "cluster-autoscaler.kubernetes.io/safe-to-evict";
}

// "namespace/name", or "name" for cluster-scoped objects: the informer cache
// and work-queue key, as client-go's MetaNamespaceKeyFunc.
inline std::string ObjectKey(const ObjectMeta& meta) {
  return meta.namespace_.empty() ? meta.name : meta.namespace_ + "/" + meta.name;
}

// The informer's key and version of a record with ObjectMeta; record types
// without one (PodRecord) overload these.
template <typename T>
std::string RecordKey(const T& record) {
  return ObjectKey(record.metadata);
}
template <typename T>
absl::string_view RecordVersion(const T& record) {
  return record.metadata.resource_version;
}

// CPU and memory, as requested by a pod or offered by a node.
struct Resources {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
};

struct Toleration {
  std::string key;
  std::string operator_;  // "Exists" or "Equal" (empty means Equal).
  std::string value;
  std::string effect;  // Empty matches every effect.
};

struct Taint {
  std::string key;
  std::string value;
  std::string effect;
};

struct NodeSelectorRequirement {
  std::string key;
  std::string operator_;  // In, NotIn, Exists, DoesNotExist, Gt, Lt.
  std::vector<std::string> values;
};

// One of the ORed terms of requiredDuringSchedulingIgnoredDuringExecution.
struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> match_expressions;
  std::vector<NodeSelectorRequirement> match_fields;
};

// What a pod's spec says about where and how it may run.
struct Container {
  std::string name;
  bool privileged = false;
  // Host ports the container binds (ports[].hostPort > 0).
  std::vector<int> host_ports;
};

struct Volume {
  std::string name;
  bool host_path = false;
  std::string host_path_path;
};

struct Pod {
  ObjectMeta metadata;
  // Sum of the app containers' requests, and the largest init container's;
  // the pod needs the larger of the two (EffectiveRequests()).
  Resources container_requests;
  Resources init_requests;
  std::string node_name;
  StringMap node_selector;
  std::vector<NodeSelectorTerm> required_node_affinity;
  // The `preference` of each preferredDuringSchedulingIgnoredDuringExecution
  // term (weights are not kept: Spillway only asks what a pod mentions).
  std::vector<NodeSelectorTerm> preferred_node_affinity;
  std::vector<Toleration> tolerations;
  bool host_network = false;
  std::vector<Container> containers;  // init containers included, flagged by name.
  std::vector<Volume> volumes;
  std::string phase;          // status.phase
  std::string status_reason;  // status.reason, e.g. ProviderFailed (virtual kubelet)
  // status.conditions[type=PodScheduled]: False with reason Unschedulable,
  // kube-scheduler's message ("0/5 nodes are available: 3 Insufficient cpu.")
  // and when it became so (RFC 3339 text, empty if absent).
  bool unschedulable = false;
  std::string scheduling_message;
  std::string unschedulable_since;

  Resources EffectiveRequests() const {
    return {std::max(container_requests.cpu_milli, init_requests.cpu_milli),
            std::max(container_requests.memory_bytes, init_requests.memory_bytes)};
  }
  // "namespace/name" for logs and messages.
  std::string Key() const { return metadata.namespace_ + "/" + metadata.name; }
  // "namespace/name" for messages; "namespace/web-7c9d8-(generated)" for a pod
  // admitted before the API server generated its name.
  std::string Who() const {
    if (!metadata.name.empty() || metadata.generate_name.empty()) return Key();
    return metadata.namespace_ + "/" + metadata.generate_name + "(generated)";
  }
  // The ownerReference with controller=true, or nullptr.
  const OwnerReference* ControllerRef() const {
    for (const OwnerReference& ref : metadata.owner_references) {
      if (ref.controller) return &ref;
    }
    return nullptr;
  }
};

struct Node {
  ObjectMeta metadata;
  std::vector<Taint> taints;
  bool unschedulable = false;
  // status.allocatable and the Ready condition (informer records only; the
  // extender's full mode does not read status).
  Resources allocatable;
  int64_t allocatable_pods = 0;
  bool ready = false;
};

struct Namespace {
  ObjectMeta metadata;
};

// A core/v1 Service, as far as Spillway reads it (type and pod selector).
struct Service {
  ObjectMeta metadata;
  std::string type;  // ClusterIP (default), NodePort, LoadBalancer, ExternalName
  StringMap selector;
};

// A core/v1 ConfigMap: its metadata and `data` (binaryData is not kept).
struct ConfigMap {
  ObjectMeta metadata;
  StringMap data;
};

// A core/v1 Event, as far as the stock watcher reads it.
struct Event {
  ObjectMeta metadata;
  std::string type;  // Normal, Warning
  std::string reason;
  std::string message;
  std::string involved_kind;
  std::string involved_namespace;
  std::string involved_name;
  std::string source_host;  // source.host: the node that reported it, if any.
  std::string source_component;      // source.component ("virtual-kubelet", "kubelet", ...).
  std::string reporting_controller;  // reportingComponent (events.k8s.io writers).
  // When it was seen last, as written (RFC 3339): lastTimestamp, eventTime
  // (events.k8s.io), series.lastObservedTime, and the creation time the API
  // server set.
  std::string last_timestamp;
  std::string event_time;
  std::string series_last_observed;
  std::string creation_timestamp;
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_OBJECTS_H_
