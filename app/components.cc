#include "app/component.h"

namespace spillway::app {

const std::vector<ComponentDescriptor>& ComponentList() {
  static const auto* const kComponents =
      new std::vector<ComponentDescriptor>{ExtenderComponent(), AutoscalerComponent(), WebhookComponent(),
                                           AdminComponent()};
  return *kComponents;
}

}  // namespace spillway::app
