// Test helper: the registered strategy of a built-in kind, found the way
// the API server finds it (through the resource registry), so the kinds'
// tests also check each kind's registry line. Test-only.
#ifndef SPILLWAY_SIM_APISERVER_KINDS_STRATEGY_OF_H_
#define SPILLWAY_SIM_APISERVER_KINDS_STRATEGY_OF_H_

#include <string>

#include "gtest/gtest.h"
#include "sim/apiserver/resources.h"

namespace spillway::sim::kinds {

// The strategy of the first registered `group` `kind`; DefaultStrategy()
// (and a test failure) for a kind that is not served.
inline const KindStrategy& StrategyOf(const std::string& group, const std::string& kind) {
  for (const ResourceInfo& info : BuiltinResources()) {
    if (info.type.group == group && info.type.kind == kind) return *info.strategy;
  }
  ADD_FAILURE() << "no built-in " << group << "/" << kind;
  return DefaultStrategy();
}

}  // namespace spillway::sim::kinds

#endif  // SPILLWAY_SIM_APISERVER_KINDS_STRATEGY_OF_H_
