#include "kube/decode.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kube/quantity.h"

namespace spillway::kube {
namespace {

using json::ForEachElement;
using json::ForEachField;
using json::Path;
using json::ReadBool;
using json::ReadInt;
using json::ReadString;
using json::ReadStringMap;
using json::value;

absl::Status DecodeOwnerReference(value v, const Path& path, OwnerReference* ref) {
  return ForEachField(v, path, [ref](absl::string_view key, value item, const Path& child) {
    if (key == "apiVersion") return ReadString(item, child, &ref->api_version);
    if (key == "kind") return ReadString(item, child, &ref->kind);
    if (key == "name") return ReadString(item, child, &ref->name);
    if (key == "uid") return ReadString(item, child, &ref->uid);
    if (key == "controller") return ReadBool(item, child, &ref->controller);
    return absl::OkStatus();
  });
}


absl::Status DecodeRequirement(value v, const Path& path, NodeSelectorRequirement* req) {
  return ForEachField(v, path, [req](absl::string_view key, value item, const Path& child) {
    if (key == "key") return ReadString(item, child, &req->key);
    if (key == "operator") return ReadString(item, child, &req->operator_);
    if (key == "values") {
      return ForEachElement(item, child, [req](value element, const Path& p) {
        req->values.emplace_back();
        return ReadString(element, p, &req->values.back());
      });
    }
    return absl::OkStatus();
  });
}

absl::Status DecodeRequirements(value v, const Path& path,
                                std::vector<NodeSelectorRequirement>* out) {
  return ForEachElement(v, path, [out](value element, const Path& p) {
    out->emplace_back();
    return DecodeRequirement(element, p, &out->back());
  });
}

// One nodeSelectorTerm: matchExpressions on labels, matchFields on fields.
absl::Status DecodeNodeSelectorTerm(value v, const Path& path, NodeSelectorTerm* term) {
  return ForEachField(v, path, [term](absl::string_view key, value item, const Path& child) {
    if (key == "matchExpressions") return DecodeRequirements(item, child, &term->match_expressions);
    if (key == "matchFields") return DecodeRequirements(item, child, &term->match_fields);
    return absl::OkStatus();
  });
}

// spec.affinity.nodeAffinity: the required terms and each preferred term's preference.
absl::Status DecodeAffinity(value v, const Path& path, Pod* pod) {
  return ForEachField(v, path, [pod](absl::string_view key, value item, const Path& child) {
    if (key != "nodeAffinity") return absl::OkStatus();
    return ForEachField(item, child, [pod](absl::string_view key, value item, const Path& child) {
      if (key == "requiredDuringSchedulingIgnoredDuringExecution") {
        return ForEachField(item, child, [pod](absl::string_view key, value item, const Path& child) {
          if (key != "nodeSelectorTerms") return absl::OkStatus();
          return ForEachElement(item, child, [pod](value element, const Path& p) {
            pod->required_node_affinity.emplace_back();
            return DecodeNodeSelectorTerm(element, p, &pod->required_node_affinity.back());
          });
        });
      }
      if (key == "preferredDuringSchedulingIgnoredDuringExecution") {
        return ForEachElement(item, child, [pod](value element, const Path& p) {
          return ForEachField(element, p, [pod](absl::string_view key, value item, const Path& child) {
            if (key != "preference") return absl::OkStatus();
            pod->preferred_node_affinity.emplace_back();
            return DecodeNodeSelectorTerm(item, child, &pod->preferred_node_affinity.back());
          });
        });
      }
      return absl::OkStatus();
    });
  });
}

absl::Status DecodeToleration(value v, const Path& path, Toleration* toleration) {
  return ForEachField(v, path, [toleration](absl::string_view key, value item, const Path& child) {
    if (key == "key") return ReadString(item, child, &toleration->key);
    if (key == "operator") return ReadString(item, child, &toleration->operator_);
    if (key == "value") return ReadString(item, child, &toleration->value);
    if (key == "effect") return ReadString(item, child, &toleration->effect);
    return absl::OkStatus();
  });
}

// Reads a quantity string ("500m", "1Gi") as thousandths or whole units.
absl::Status ReadQuantity(value v, const Path& path, bool milli, int64_t* out) {
  std::string text;
  SPILLWAY_RETURN_IF_ERROR(ReadString(v, path, &text));
  absl::StatusOr<int64_t> parsed = milli ? ParseQuantityMilli(text) : ParseQuantity(text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path.ToString(), ": ", parsed.status().message()));
  }
  *out = *parsed;
  return absl::OkStatus();
}

// Reads {"cpu": ..., "memory": ...} (requests, allocatable); other resources
// are skipped.
absl::Status DecodeResources(value v, const Path& path, Resources* out) {
  return ForEachField(v, path, [out](absl::string_view key, value item, const Path& child) {
    if (key == "cpu") return ReadQuantity(item, child, true, &out->cpu_milli);
    if (key == "memory") return ReadQuantity(item, child, false, &out->memory_bytes);
    return absl::OkStatus();
  });
}

absl::Status DecodeContainer(value v, const Path& path, Container* container,
                             Resources* requests) {
  return ForEachField(v, path, [container, requests](absl::string_view key, value item,
                                                     const Path& child) {
    if (key == "name") return ReadString(item, child, &container->name);
    if (key == "resources") {
      return ForEachField(item, child, [requests](absl::string_view key, value item,
                                                  const Path& child) {
        if (key != "requests") return absl::OkStatus();
        return DecodeResources(item, child, requests);
      });
    }
    if (key == "securityContext") {
      return ForEachField(item, child,
                          [container](absl::string_view key, value item, const Path& child) {
                            if (key != "privileged") return absl::OkStatus();
                            return ReadBool(item, child, &container->privileged);
                          });
    }
    if (key == "ports") {
      return ForEachElement(item, child, [container](value element, const Path& p) {
        return ForEachField(element, p,
                            [container](absl::string_view key, value item, const Path& child) {
                              if (key != "hostPort") return absl::OkStatus();
                              int64_t port = 0;
                              absl::Status s = ReadInt(item, child, &port);
                              if (s.ok() && port > 0) {
                                container->host_ports.push_back(static_cast<int>(port));
                              }
                              return s;
                            });
      });
    }
    return absl::OkStatus();
  });
}

absl::Status DecodeVolume(value v, const Path& path, Volume* volume) {
  return ForEachField(v, path, [volume](absl::string_view key, value item, const Path& child) {
    if (key == "name") return ReadString(item, child, &volume->name);
    if (key == "hostPath") {
      simdjson::ondemand::json_type type;
      if (auto err = item.type().get(type)) return json::Error(err, child);
      if (type == simdjson::ondemand::json_type::null) return absl::OkStatus();
      volume->host_path = true;
      return ForEachField(item, child,
                          [volume](absl::string_view key, value item, const Path& child) {
                            if (key != "path") return absl::OkStatus();
                            return ReadString(item, child, &volume->host_path_path);
                          });
    }
    return absl::OkStatus();
  });
}

absl::Status DecodePodSpec(value v, const Path& path, Pod* pod) {
  return ForEachField(v, path, [pod](absl::string_view key, value item, const Path& child) {
    if (key == "nodeName") return ReadString(item, child, &pod->node_name);
    if (key == "nodeSelector") return ReadStringMap(item, child, &pod->node_selector);
    if (key == "affinity") return DecodeAffinity(item, child, pod);
    if (key == "hostNetwork") return ReadBool(item, child, &pod->host_network);
    if (key == "tolerations") {
      return ForEachElement(item, child, [pod](value element, const Path& p) {
        pod->tolerations.emplace_back();
        return DecodeToleration(element, p, &pod->tolerations.back());
      });
    }
    if (key == "containers" || key == "initContainers" || key == "ephemeralContainers") {
      const bool init = key == "initContainers";
      const bool ephemeral = key == "ephemeralContainers";
      return ForEachElement(item, child, [pod, init, ephemeral](value element, const Path& p) {
        pod->containers.emplace_back();
        Resources requests;
        SPILLWAY_RETURN_IF_ERROR(DecodeContainer(element, p, &pod->containers.back(), &requests));
        if (init) {
          pod->init_requests.cpu_milli = std::max(pod->init_requests.cpu_milli, requests.cpu_milli);
          pod->init_requests.memory_bytes =
              std::max(pod->init_requests.memory_bytes, requests.memory_bytes);
        } else if (!ephemeral) {  // Ephemeral containers have no resources.
          pod->container_requests.cpu_milli += requests.cpu_milli;
          pod->container_requests.memory_bytes += requests.memory_bytes;
        }
        return absl::OkStatus();
      });
    }
    if (key == "volumes") {
      return ForEachElement(item, child, [pod](value element, const Path& p) {
        pod->volumes.emplace_back();
        return DecodeVolume(element, p, &pod->volumes.back());
      });
    }
    return absl::OkStatus();
  });
}


// status.phase and the PodScheduled condition.
absl::Status DecodePodStatus(value v, const Path& path, Pod* pod) {
  return ForEachField(v, path, [pod](absl::string_view key, value item, const Path& child) {
    if (key == "phase") return ReadString(item, child, &pod->phase);
    if (key == "reason") return ReadString(item, child, &pod->status_reason);
    if (key != "conditions") return absl::OkStatus();
    return ForEachElement(item, child, [pod](value element, const Path& p) {
      std::string type, status, reason, message, since;
      SPILLWAY_RETURN_IF_ERROR(
          ForEachField(element, p, [&](absl::string_view key, value item, const Path& child) {
            if (key == "type") return ReadString(item, child, &type);
            if (key == "status") return ReadString(item, child, &status);
            if (key == "reason") return ReadString(item, child, &reason);
            if (key == "message") return ReadString(item, child, &message);
            if (key == "lastTransitionTime") return ReadString(item, child, &since);
            return absl::OkStatus();
          }));
      if (type == "PodScheduled" && status == "False" && reason == "Unschedulable") {
        pod->unschedulable = true;
        pod->scheduling_message = std::move(message);
        pod->unschedulable_since = std::move(since);
      }
      return absl::OkStatus();
    });
  });
}

// status.allocatable and the Ready condition.
absl::Status DecodeNodeStatus(value v, const Path& path, Node* node) {
  return ForEachField(v, path, [node](absl::string_view key, value item, const Path& child) {
    if (key == "allocatable") {
      return ForEachField(item, child, [node](absl::string_view key, value item, const Path& p) {
        if (key == "cpu") return ReadQuantity(item, p, true, &node->allocatable.cpu_milli);
        if (key == "memory") return ReadQuantity(item, p, false, &node->allocatable.memory_bytes);
        if (key == "pods") return ReadQuantity(item, p, false, &node->allocatable_pods);
        return absl::OkStatus();
      });
    }
    if (key != "conditions") return absl::OkStatus();
    return ForEachElement(item, child, [node](value element, const Path& p) {
      std::string type, status;
      SPILLWAY_RETURN_IF_ERROR(
          ForEachField(element, p, [&](absl::string_view key, value item, const Path& child) {
            if (key == "type") return ReadString(item, child, &type);
            if (key == "status") return ReadString(item, child, &status);
            return absl::OkStatus();
          }));
      if (type == "Ready") node->ready = status == "True";
      return absl::OkStatus();
    });
  });
}

}  // namespace

absl::Status DecodeObjectMeta(value v, const Path& path, ObjectMeta* meta) {
  return ForEachField(v, path, [meta](absl::string_view key, value item, const Path& child) {
    return DecodeObjectMetaField(key, item, child, meta);
  });
}

absl::Status DecodeObjectMetaField(absl::string_view key, value item, const Path& child, ObjectMeta* meta) {
  if (key == "name") return ReadString(item, child, &meta->name);
  if (key == "generateName") return ReadString(item, child, &meta->generate_name);
  if (key == "namespace") return ReadString(item, child, &meta->namespace_);
  if (key == "uid") return ReadString(item, child, &meta->uid);
  if (key == "resourceVersion") return ReadString(item, child, &meta->resource_version);
  if (key == "labels") return ReadStringMap(item, child, &meta->labels);
  if (key == "annotations") {
    StringMapBuilder kept;
    SPILLWAY_RETURN_IF_ERROR(ForEachField(item, child, [&kept](absl::string_view key, value v, const Path& p) {
      if (!IsKeptAnnotation(key)) return absl::OkStatus();
      std::string text;
      SPILLWAY_RETURN_IF_ERROR(ReadString(v, p, &text));
      kept.Set(key, text);
      return absl::OkStatus();
    }));
    meta->annotations = kept.Build();
    return absl::OkStatus();
  }
  if (key == "deletionTimestamp") {
    std::string stamp;
    SPILLWAY_RETURN_IF_ERROR(ReadString(item, child, &stamp));
    meta->deleting = !stamp.empty();
    return absl::OkStatus();
  }
  if (key == "ownerReferences") {
    return ForEachElement(item, child, [meta](value element, const Path& p) {
      meta->owner_references.emplace_back();
      return DecodeOwnerReference(element, p, &meta->owner_references.back());
    });
  }
  return absl::OkStatus();
}

absl::Status DecodePod(value v, const Path& path, Pod* pod) {
  return ForEachField(v, path, [pod](absl::string_view key, value item, const Path& child) {
    if (key == "metadata") return DecodeObjectMeta(item, child, &pod->metadata);
    if (key == "spec") return DecodePodSpec(item, child, pod);
    if (key == "status") return DecodePodStatus(item, child, pod);
    return absl::OkStatus();
  });
}

absl::Status DecodeNode(value v, const Path& path, Node* node) {
  return ForEachField(v, path, [node](absl::string_view key, value item, const Path& child) {
    if (key == "metadata") return DecodeObjectMeta(item, child, &node->metadata);
    if (key == "spec") {
      return ForEachField(item, child, [node](absl::string_view key, value item, const Path& p) {
        if (key == "unschedulable") return ReadBool(item, p, &node->unschedulable);
        if (key != "taints") return absl::OkStatus();
        return ForEachElement(item, p, [node](value element, const Path& p) {
          Taint& taint = node->taints.emplace_back();
          return ForEachField(element, p, [&taint](absl::string_view key, value item,
                                                   const Path& child) {
            if (key == "key") return ReadString(item, child, &taint.key);
            if (key == "value") return ReadString(item, child, &taint.value);
            if (key == "effect") return ReadString(item, child, &taint.effect);
            return absl::OkStatus();
          });
        });
      });
    }
    if (key == "status") return DecodeNodeStatus(item, child, node);
    return absl::OkStatus();
  });
}

absl::Status DecodeEvent(value v, const Path& path, Event* event) {
  return ForEachField(v, path, [event](absl::string_view key, value item, const Path& child) {
    if (key == "metadata") {
      // creationTimestamp is the only part of metadata an Event needs beyond ObjectMeta's.
      return ForEachField(item, child, [event](absl::string_view key, value item, const Path& p) {
        if (key == "creationTimestamp") return ReadString(item, p, &event->creation_timestamp);
        return DecodeObjectMetaField(key, item, p, &event->metadata);
      });
    }
    if (key == "lastTimestamp") return ReadString(item, child, &event->last_timestamp);
    if (key == "eventTime") return ReadString(item, child, &event->event_time);
    if (key == "reportingComponent") return ReadString(item, child, &event->reporting_controller);
    if (key == "series") {
      return ForEachField(item, child, [event](absl::string_view key, value item, const Path& p) {
        if (key == "lastObservedTime") return ReadString(item, p, &event->series_last_observed);
        return absl::OkStatus();
      });
    }
    if (key == "type") return ReadString(item, child, &event->type);
    if (key == "reason") return ReadString(item, child, &event->reason);
    if (key == "message") return ReadString(item, child, &event->message);
    if (key == "involvedObject") {
      return ForEachField(item, child, [event](absl::string_view key, value item, const Path& p) {
        if (key == "kind") return ReadString(item, p, &event->involved_kind);
        if (key == "namespace") return ReadString(item, p, &event->involved_namespace);
        if (key == "name") return ReadString(item, p, &event->involved_name);
        return absl::OkStatus();
      });
    }
    if (key == "source") {
      return ForEachField(item, child, [event](absl::string_view key, value item, const Path& p) {
        if (key == "host") return ReadString(item, p, &event->source_host);
        if (key == "component") return ReadString(item, p, &event->source_component);
        return absl::OkStatus();
      });
    }
    return absl::OkStatus();
  });
}

absl::Status DecodeService(value v, const Path& path, Service* service) {
  return ForEachField(v, path, [service](absl::string_view key, value item, const Path& child) {
    if (key == "metadata") return DecodeObjectMeta(item, child, &service->metadata);
    if (key != "spec") return absl::OkStatus();
    return ForEachField(item, child, [service](absl::string_view key, value spec_item, const Path& p) {
      if (key == "type") return ReadString(spec_item, p, &service->type);
      if (key != "selector") return absl::OkStatus();
      return ReadStringMap(spec_item, p, &service->selector);
    });
  });
}

absl::Status DecodeConfigMap(value v, const Path& path, ConfigMap* config_map) {
  return ForEachField(v, path, [config_map](absl::string_view key, value item, const Path& child) {
    if (key == "metadata") return DecodeObjectMeta(item, child, &config_map->metadata);
    if (key != "data") return absl::OkStatus();
    return ReadStringMap(item, child, &config_map->data);
  });
}

absl::Status DecodeNamespace(value v, const Path& path, Namespace* ns) {
  return ForEachField(v, path, [ns](absl::string_view key, value item, const Path& child) {
    if (key == "metadata") return DecodeObjectMeta(item, child, &ns->metadata);
    return absl::OkStatus();
  });
}

namespace {

absl::Status DomTypeError(const Path& path, absl::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat(path.ToString(), ": expected ", want));
}

// Reads an optional string field; absent or null leaves `out` empty.
absl::Status DomString(simdjson::dom::object object, std::string_view key, const Path& path,
                       std::string* out) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return absl::OkStatus();
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return DomTypeError(Path(path, absl::string_view(key.data(), key.size())), "string");
  }
  out->assign(text.data(), text.size());
  return absl::OkStatus();
}

// Returns the object at `key`, or an empty result when absent or null.
absl::Status DomObject(simdjson::dom::object parent, std::string_view key, const Path& path,
                       std::optional<simdjson::dom::object>* out) {
  simdjson::dom::element value;
  if (parent[key].get(value) != simdjson::SUCCESS || value.is_null()) return absl::OkStatus();
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return DomTypeError(Path(path, absl::string_view(key.data(), key.size())), "object");
  }
  *out = object;
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeNode(simdjson::dom::element element, const Path& path, Node* node) {
  simdjson::dom::object root;
  if (element.get_object().get(root) != simdjson::SUCCESS) return DomTypeError(path, "object");
  std::optional<simdjson::dom::object> metadata;
  SPILLWAY_RETURN_IF_ERROR(DomObject(root, "metadata", path, &metadata));
  if (metadata.has_value()) {
    Path meta_path(path, "metadata");
    SPILLWAY_RETURN_IF_ERROR(DomString(*metadata, "name", meta_path, &node->metadata.name));
    SPILLWAY_RETURN_IF_ERROR(DomString(*metadata, "uid", meta_path, &node->metadata.uid));
    std::optional<simdjson::dom::object> labels;
    SPILLWAY_RETURN_IF_ERROR(DomObject(*metadata, "labels", meta_path, &labels));
    if (labels.has_value()) {
      Path labels_path(meta_path, "labels");
      StringMapBuilder built;
      for (auto [key, value] : *labels) {
        std::string_view text;
        if (value.get_string().get(text) != simdjson::SUCCESS) {
          return DomTypeError(Path(labels_path, absl::string_view(key.data(), key.size())),
                              "string");
        }
        built.Set(absl::string_view(key.data(), key.size()), absl::string_view(text.data(), text.size()));
      }
      node->metadata.labels = built.Build();
    }
  }
  std::optional<simdjson::dom::object> spec;
  SPILLWAY_RETURN_IF_ERROR(DomObject(root, "spec", path, &spec));
  if (!spec.has_value()) return absl::OkStatus();
  Path spec_path(path, "spec");
  simdjson::dom::element unschedulable;
  if ((*spec)["unschedulable"].get(unschedulable) == simdjson::SUCCESS &&
      !unschedulable.is_null() &&
      unschedulable.get_bool().get(node->unschedulable) != simdjson::SUCCESS) {
    return DomTypeError(Path(spec_path, "unschedulable"), "boolean");
  }
  simdjson::dom::element taints;
  if ((*spec)["taints"].get(taints) != simdjson::SUCCESS || taints.is_null()) {
    return absl::OkStatus();
  }
  Path taints_path(spec_path, "taints");
  simdjson::dom::array taint_array;
  if (taints.get_array().get(taint_array) != simdjson::SUCCESS) {
    return DomTypeError(taints_path, "array");
  }
  int64_t index = 0;
  for (simdjson::dom::element item : taint_array) {
    Path taint_path(taints_path, index++);
    simdjson::dom::object taint_object;
    if (item.get_object().get(taint_object) != simdjson::SUCCESS) {
      return DomTypeError(taint_path, "object");
    }
    Taint& taint = node->taints.emplace_back();
    SPILLWAY_RETURN_IF_ERROR(DomString(taint_object, "key", taint_path, &taint.key));
    SPILLWAY_RETURN_IF_ERROR(DomString(taint_object, "value", taint_path, &taint.value));
    SPILLWAY_RETURN_IF_ERROR(DomString(taint_object, "effect", taint_path, &taint.effect));
  }
  return absl::OkStatus();
}

namespace {

// Parses a whole document of one kind with its `decode`.
template <typename T>
absl::StatusOr<T> ParseDocument(std::string text, const char* kind,
                                absl::Status (*decode)(value, const Path&, T*)) {
  const size_t size = text.size();
  text.reserve(size + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  const Path root(kind);
  if (auto err = parser.iterate(text.data(), size, text.capacity()).get(doc)) {
    return json::Error(err, root);
  }
  value v;
  if (auto err = doc.get_value().get(v)) return json::Error(err, root);
  T object;
  SPILLWAY_RETURN_IF_ERROR(decode(v, root, &object));
  return object;
}

}  // namespace

absl::StatusOr<Pod> ParsePod(std::string text) { return ParseDocument<Pod>(std::move(text), "Pod", &DecodePod); }

absl::StatusOr<Node> ParseNode(std::string text) {
  return ParseDocument<Node>(std::move(text), "Node", &DecodeNode);
}

absl::Status DecodeUid(value v, const Path& path, std::string* uid) {
  return ForEachField(v, path, [uid](absl::string_view key, value item, const Path& child) {
    if (key != "metadata") return absl::OkStatus();
    return ForEachField(item, child, [uid](absl::string_view key, value item, const Path& child) {
      if (key != "uid") return absl::OkStatus();
      return ReadString(item, child, uid);
    });
  });
}

}  // namespace spillway::kube
