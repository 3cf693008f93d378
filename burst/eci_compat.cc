#include "burst/eci_compat.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace spillway::burst {

absl::Status CheckEciCanRun(const kube::Pod& pod) {
  std::vector<std::string> problems;
  for (const kube::Volume& volume : pod.volumes) {
    if (volume.host_path) {
      problems.push_back(absl::StrCat("uses hostPath volume '", volume.name,
                                      "'; elastic container instances cannot mount host paths"));
    }
  }
  if (pod.host_network) {
    problems.push_back("uses hostNetwork; elastic container instances have no host network");
  }
  for (const kube::Container& container : pod.containers) {
    if (container.privileged) {
      problems.push_back(absl::StrCat("runs privileged container '", container.name,
                                      "'; elastic container instances refuse privileged mode"));
    }
    for (int port : container.host_ports) {
      problems.push_back(absl::StrCat("container '", container.name, "' binds hostPort ", port,
                                      "; elastic container instances have no host ports"));
    }
  }
  if (const kube::OwnerReference* owner = pod.ControllerRef();
      owner != nullptr && owner->kind == "DaemonSet") {
    problems.push_back(absl::StrCat("belongs to DaemonSet '", owner->name,
                                    "'; DaemonSet pods run on every regular node, never on ECI"));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("pod ", pod.Who(), " ", absl::StrJoin(problems, "; and ")));
}

}  // namespace spillway::burst
