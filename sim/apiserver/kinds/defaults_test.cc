// The kinds' defaults and PrepareForCreate, as kube-apiserver applies them.
#include <string>

#include "gtest/gtest.h"
#include "sim/apiserver/kinds/strategy_of.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

json::object Defaulted(const char* group, const char* kind, const char* text) {
  json::object object = json::parse(text).as_object();
  StrategyOf(group, kind).Default(object);
  return object;
}

TEST(DefaultsTest, DeploymentAsKubeApiserverDefaultsIt) {
  json::object d = Defaulted("apps", "Deployment",
                             R"({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx"},
                                                                               {"name": "b", "image": "nginx:1.25"}]}}}})");
  const json::object& spec = d.at("spec").as_object();
  EXPECT_EQ(spec.at("replicas").as_int64(), 1);
  EXPECT_EQ(spec.at("revisionHistoryLimit").as_int64(), 10);
  EXPECT_EQ(spec.at("progressDeadlineSeconds").as_int64(), 600);
  EXPECT_EQ(json::serialize(spec.at("strategy")),
            R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}})");
  const json::object& pod = spec.at("template").at("spec").as_object();
  EXPECT_EQ(pod.at("restartPolicy").as_string(), "Always");
  EXPECT_EQ(pod.at("dnsPolicy").as_string(), "ClusterFirst");
  EXPECT_EQ(pod.at("terminationGracePeriodSeconds").as_int64(), 30);
  EXPECT_EQ(pod.at("schedulerName").as_string(), "default-scheduler");
  EXPECT_EQ(pod.at("containers").at(0).at("imagePullPolicy").as_string(), "Always");
  EXPECT_EQ(pod.at("containers").at(1).at("imagePullPolicy").as_string(), "IfNotPresent");
}

TEST(DefaultsTest, WhatIsGivenIsKept) {
  json::object d = Defaulted("apps", "Deployment",
                             R"({"spec": {"replicas": 0, "strategy": {"type": "Recreate"},
                                          "template": {"spec": {"restartPolicy": "Never", "containers": []}}}})");
  EXPECT_EQ(d.at("spec").at("replicas").as_int64(), 0);
  EXPECT_EQ(json::serialize(d.at("spec").at("strategy")), R"({"type":"Recreate"})");
  EXPECT_EQ(d.at("spec").at("template").at("spec").at("restartPolicy").as_string(), "Never");
}

TEST(DefaultsTest, ServicesNamespacesAndImagesByDigest) {
  json::object s = Defaulted("", "Service", R"({"spec": {"ports": [{"port": 80}]}})");
  EXPECT_EQ(s.at("spec").at("type").as_string(), "ClusterIP");
  EXPECT_EQ(s.at("spec").at("sessionAffinity").as_string(), "None");
  EXPECT_EQ(s.at("spec").at("ports").at(0).at("protocol").as_string(), "TCP");
  EXPECT_EQ(s.at("spec").at("ports").at(0).at("targetPort").as_int64(), 80);
  json::object ns = Defaulted("", "Namespace", R"({"metadata": {"name": "x"}})");
  EXPECT_EQ(ns.at("status").at("phase").as_string(), "Active");
  json::object pod = Defaulted("", "Pod",
                               R"({"spec": {"containers": [{"name": "a", "image": "registry:5000/app@sha256:abc"},
                                                           {"name": "b", "image": "registry:5000/app"}]}})");
  EXPECT_EQ(pod.at("spec").at("containers").at(0).at("imagePullPolicy").as_string(), "IfNotPresent");
  EXPECT_EQ(pod.at("spec").at("containers").at(1).at("imagePullPolicy").as_string(), "Always");
}

}  // namespace
}  // namespace spillway::sim::kinds

namespace spillway::sim::kinds {
namespace {

TEST(PrepareForCreateTest, NewPodsArePendingWithTheirQosClass) {
  struct Case {
    const char* resources;  // of the one container
    const char* qos;
  };
  const Case cases[] = {
      {"{}", "BestEffort"},
      {R"({"requests":{"cpu":"1"}})", "Burstable"},
      {R"({"limits":{"cpu":"1","memory":"1Gi"}})", "Guaranteed"},
      {R"({"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}})", "Guaranteed"},
      {R"({"requests":{"cpu":"500m","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}})", "Burstable"},
  };
  for (const Case& c : cases) {
    boost::json::object pod =
        boost::json::parse(std::string(R"({"spec":{"containers":[{"name":"a","resources":)") + c.resources +
                           R"(}]},"status":{"phase":"Running","podIP":"1.2.3.4"}})")
            .as_object();
    StrategyOf("", "Pod").PrepareForCreate(pod);
    EXPECT_EQ(boost::json::serialize(pod.at("status")),
              std::string(R"({"phase":"Pending","qosClass":")") + c.qos + "\"}")
        << c.resources;
  }
  boost::json::object deployment = boost::json::parse(R"({"status":{"replicas":3}})").as_object();
  StrategyOf("apps", "Deployment").PrepareForCreate(deployment);
  EXPECT_EQ(boost::json::serialize(deployment), R"({"status":{"replicas":3}})");
}

}  // namespace
}  // namespace spillway::sim::kinds
