// The typed OpenAPI v3 schemas of the built-in kinds, as kube-apiserver
// publishes them under /openapi/v3: every field with its type and
// description, models as components referenced with $ref (so `kubectl
// explain pods.spec.containers` walks them and prints `<[]Container>`), and
// each list's x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key
// (so kubectl's client-side apply computes the strategic merge patch a real
// cluster's schema makes it compute).
//
// Built from two generated tables: builtin_docs_data.inc (fields, types and
// descriptions: tools/gen_builtin_docs.py, from the official Python client's
// models) and patch_strategies.inc (patch.h). Descriptions are the client's,
// which has none for fields whose type is another model, nor for the kinds
// themselves. Built once, immutable: thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_BUILTIN_OPENAPI_H_
#define SPILLWAY_SIM_APISERVER_BUILTIN_OPENAPI_H_

#include <string>

#include "boost/json.hpp"
#include "sim/apiserver/object_store.h"

namespace spillway::sim {

// Adds to `schemas` (components.schemas of an OpenAPI v3 document) the
// schema of `type`'s kind and of every model it reaches, and returns the
// root's name ("io.k8s.api.v1.Pod"); "" (nothing added) for a kind without
// a table. The caller adds the root's x-kubernetes-group-version-kind.
std::string AddBuiltinOpenApiSchemas(const ResourceType& type, boost::json::object& schemas);

// A fingerprint of the built-in schemas (16 hex digits, FNV-1a of the
// generated tables): part of the OpenAPI v3 discovery hash, so a kubectl
// that cached another build's documents fetches them again.
std::string BuiltinOpenApiFingerprint();

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_BUILTIN_OPENAPI_H_
