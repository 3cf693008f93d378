// Decoding of core/v1 Pod and Node JSON into the compact records of objects.h.
//
// Only the fields Spillway uses are read; everything else (managedFields,
// status, images, unknown fields) is skipped without being materialised.
// Errors name the field: "Pod.spec.hostNetwork: expected boolean, got string".
#ifndef SPILLWAY_KUBE_DECODE_H_
#define SPILLWAY_KUBE_DECODE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kube/json_reader.h"
#include "kube/objects.h"

namespace spillway::kube {

// Decodes the metadata of any object (name, namespace, uid, resourceVersion,
// labels, Spillway's annotations, ownerReferences, deletionTimestamp).
absl::Status DecodeObjectMeta(json::value v, const json::Path& path, ObjectMeta* meta);
// One field of an object's metadata (for decoders that read more of it).
absl::Status DecodeObjectMetaField(absl::string_view key, json::value item, const json::Path& path,
                                   ObjectMeta* meta);

// Decodes a core/v1 Pod object at `path` into `*pod`: metadata, the spec
// fields placement depends on, container requests, phase and PodScheduled.
absl::Status DecodePod(json::value v, const json::Path& path, Pod* pod);

// Decodes a core/v1 Node at `path`, status (allocatable, Ready) included:
// the informer's decoder.
absl::Status DecodeNode(json::value v, const json::Path& path, Node* node);

// Decodes a core/v1 Event (type, reason, message, involvedObject, source.host).
absl::Status DecodeEvent(json::value v, const json::Path& path, Event* event);

// Decodes a core/v1 Service (metadata, spec.type, spec.selector).
absl::Status DecodeService(json::value v, const json::Path& path, Service* service);

// Decodes a core/v1 ConfigMap (metadata and data; values must be strings).
absl::Status DecodeConfigMap(json::value v, const json::Path& path, ConfigMap* config_map);

// Decodes a core/v1 Namespace (its metadata).
absl::Status DecodeNamespace(json::value v, const json::Path& path, Namespace* ns);

// Decodes a core/v1 Node from a fully parsed (and so fully validated) DOM
// element. Nodes are decoded this way, not On-Demand, because the extender's
// full mode must also guarantee that the Node bytes it echoes back are valid
// JSON, which only a full parse checks.
absl::Status DecodeNode(simdjson::dom::element element, const json::Path& path, Node* node);

// Parses a whole Pod document (e.g. a GET's body).
absl::StatusOr<Pod> ParsePod(std::string text);
// Parses a whole Node document, status included.
absl::StatusOr<Node> ParseNode(std::string text);

// Decodes only `metadata.uid` of an object (preemption victims need nothing else).
absl::Status DecodeUid(json::value v, const json::Path& path, std::string* uid);

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_DECODE_H_
