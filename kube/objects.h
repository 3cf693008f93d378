// Compact, typed records of the Kubernetes objects Spillway reasons about.
//
// They keep only the fields Spillway uses (never managedFields, images, status
// noise), so that request decoding and, later, informer caches stay small and
// fast. Plain value types: no I/O, no locking; safe to share once built.
#ifndef SPILLWAY_KUBE_OBJECTS_H_
#define SPILLWAY_KUBE_OBJECTS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace spillway::kube {

// A small string->string map (labels, annotations, nodeSelector). Objects carry
// a handful of entries, for which a vector beats a hash map in size and speed.
class StringMap {
 public:
  using Entry = std::pair<std::string, std::string>;

  // Returns the value for `key`, or nullptr when absent.
  const std::string* Find(absl::string_view key) const {
    for (const Entry& entry : entries_) {
      if (entry.first == key) return &entry.second;
    }
    return nullptr;
  }
  bool Has(absl::string_view key, absl::string_view value) const {
    const std::string* found = Find(key);
    return found != nullptr && *found == value;
  }
  // Sets `key` to `value`, replacing an earlier value (JSON's last-wins rule).
  void Set(std::string key, std::string value) {
    for (Entry& entry : entries_) {
      if (entry.first == key) {
        entry.second = std::move(value);
        return;
      }
    }
    entries_.emplace_back(std::move(key), std::move(value));
  }
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
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
  std::string namespace_;
  std::string uid;
  StringMap labels;
  StringMap annotations;
  std::vector<OwnerReference> owner_references;
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
  std::string node_name;
  StringMap node_selector;
  std::vector<NodeSelectorTerm> required_node_affinity;
  std::vector<Toleration> tolerations;
  bool host_network = false;
  std::vector<Container> containers;  // init containers included, flagged by name.
  std::vector<Volume> volumes;

  // "namespace/name" for logs and messages.
  std::string Key() const { return metadata.namespace_ + "/" + metadata.name; }
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
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_OBJECTS_H_
