#include "sim/cluster/cluster_reader.h"

#include "common/status_macros.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {

absl::StatusOr<std::vector<ObjectRef>> LiveReader::List(const kube::ResourcePath& collection) {
  SPILLWAY_ASSIGN_OR_RETURN(boost::json::object list, client_.List(collection, kube::ListOptions()));
  std::vector<ObjectRef> objects;
  for (boost::json::object& item : ItemsOf(std::move(list))) {
    objects.push_back(std::make_shared<const boost::json::object>(std::move(item)));
  }
  return objects;
}

}  // namespace spillway::sim
