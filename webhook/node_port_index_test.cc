#include "webhook/node_port_index.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::webhook {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

kube::Service MakeService(const std::string& ns, const std::string& name, const std::string& type,
                          const std::string& app) {
  kube::Service service;
  service.metadata.namespace_ = ns;
  service.metadata.name = name;
  service.type = type;
  if (!app.empty()) service.selector.Set("app", app);
  return service;
}

TEST(NodePortIndexTest, OnlyNodePortServicesSelectingThePodInItsNamespace) {
  NodePortIndex index;
  index.Upsert(MakeService("shop", "web-np", "NodePort", "web"));
  index.Upsert(MakeService("shop", "web", "ClusterIP", "web"));
  index.Upsert(MakeService("shop", "manual", "NodePort", ""));
  index.Upsert(MakeService("other", "web-np", "NodePort", "web"));
  kube::StringMap web;
  web.Set("app", "web");
  web.Set("tier", "front");
  EXPECT_THAT(index.Selecting("shop", web), ElementsAre("shop/web-np"));
  kube::StringMap api;
  api.Set("app", "api");
  EXPECT_THAT(index.Selecting("shop", api), IsEmpty());
  // Changed to LoadBalancer, then deleted: no longer warned about.
  index.Upsert(MakeService("other", "web-np", "LoadBalancer", "web"));
  EXPECT_THAT(index.Selecting("other", web), IsEmpty());
  index.Remove(MakeService("shop", "web-np", "NodePort", "web"));
  EXPECT_THAT(index.Selecting("shop", web), IsEmpty());
}

}  // namespace
}  // namespace spillway::webhook
