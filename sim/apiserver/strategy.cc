#include "sim/apiserver/strategy.h"

namespace spillway::sim {

const FieldLabels* KindStrategy::SupportedFieldLabels() const {
  static const auto* const kNone = new FieldLabels();
  return kNone;
}

FieldLabels OwnPathFieldLabels(std::initializer_list<const char*> labels) {
  FieldLabels out;
  for (const char* label : labels) out[label] = label;
  return out;
}

const KindStrategy& DefaultStrategy() {
  static const auto* const kDefault = new KindStrategy();
  return *kDefault;
}

}  // namespace spillway::sim
