// What a stand-in derives from cached objects, derived once per object
// version instead of once per pass.
//
// The watch caches (ClusterCache) hand out immutable objects and replace an
// object with a new one on every change, so an object's address names one
// version of it. A pass over 50,000 pods that reads the same facts from the
// same JSON every 200 ms (walking small objects key by key, parsing
// timestamps) spent most of the simulator's time there
// (bench/README.md, "Facts read once per pod version"). The memo keeps each
// object it was asked about alive, so its address cannot be reused by
// another object while the entry exists, and forgets objects not asked
// about in a pass.
//
// Thread-compatible: one owner (a stand-in's pass).
#ifndef SPILLWAY_SIM_CLUSTER_OBJECT_MEMO_H_
#define SPILLWAY_SIM_CLUSTER_OBJECT_MEMO_H_

#include <cstdint>
#include <utility>

#include "absl/container/node_hash_map.h"
#include "boost/json.hpp"
#include "sim/cluster/cluster_reader.h"

namespace spillway::sim {

template <typename Facts>
class ObjectMemo {
 public:
  // The facts of `object`: `derive(*object)` the first time this object is
  // asked about, remembered after. The reference stays valid until the
  // EndPass that forgets the object.
  template <typename Derive>
  const Facts& Get(const ObjectRef& object, Derive&& derive) {
    auto [it, inserted] = entries_.try_emplace(object.get());
    Entry& entry = it->second;
    if (inserted) {
      entry.object = object;
      entry.facts = derive(*object);
    }
    entry.pass = pass_;
    return entry.facts;
  }

  // Forgets every object not asked about since the last EndPass (gone from
  // the cache, or replaced by a newer version).
  void EndPass() {
    absl::erase_if(entries_, [this](const auto& entry) { return entry.second.pass != pass_; });
    ++pass_;
  }

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    ObjectRef object;  // Keeps the address from being reused.
    Facts facts;
    uint64_t pass = 0;
  };
  // Node-based: Get's references survive later insertions.
  absl::node_hash_map<const boost::json::object*, Entry> entries_;
  uint64_t pass_ = 0;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_OBJECT_MEMO_H_
