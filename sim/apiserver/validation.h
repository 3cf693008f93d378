// Validation kube-apiserver applies to every object's metadata, worded as it
// words it (k8s.io/apimachinery/pkg/util/validation): object names (RFC 1123
// subdomains, or labels where the kind's strategy says so), label keys and
// values, annotations and their total size. What a kind's content may hold
// is its strategy's (strategy.h, kinds/). Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_VALIDATION_H_
#define SPILLWAY_SIM_APISERVER_VALIDATION_H_

#include <cstddef>
#include <string>
#include <vector>

#include "boost/json.hpp"

namespace spillway::sim {

// One message per problem ("metadata.name: Invalid value: ..."), empty when
// the object's name and labels are valid. A missing name (generateName) is
// not checked here.
// `name_is_dns_label`: the name must be a DNS-1123 label (Namespace,
// Service), not a subdomain.
std::vector<std::string> ValidateMetadata(bool name_is_dns_label, const boost::json::object& object);

// 256 KiB: what all of an object's annotations (keys and values) may hold.
inline constexpr size_t kMaxAnnotationBytes = 256 * 1024;
// 128: the longest fieldManager a write may name.
inline constexpr size_t kMaxFieldManagerLength = 128;

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_VALIDATION_H_
