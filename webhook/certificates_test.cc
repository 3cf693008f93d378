#include "webhook/certificates.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/json_fields.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"

namespace spillway::webhook {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class SelfManagedCertificatesTest : public sim::EmbeddedClusterTest {
 protected:
  void SetUp() override {
    sim::EmbeddedClusterTest::SetUp();
    ASSERT_TRUE(client_
                    ->Create({"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "", "", ""},
                             json::parse(R"({"apiVersion": "admissionregistration.k8s.io/v1",
                                 "kind": "MutatingWebhookConfiguration", "metadata": {"name": "spillway"},
                                 "webhooks": [{"name": "pods.spillway.alibabacloud.com",
                                   "clientConfig": {"service": {"name": "spillway-webhook", "namespace": "kube-system"}},
                                   "admissionReviewVersions": ["v1"], "sideEffects": "None"}]})")
                                 .as_object())
                    .ok());
  }

  SelfManagedOptions Options(const std::string& replica) {
    SelfManagedOptions options;
    options.secret_namespace = "kube-system";
    options.secret_name = "spillway-webhook-certs";
    options.service_namespace = "kube-system";
    options.service_name = "spillway-webhook";
    options.webhook_configuration = "spillway";
    options.cert_dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + replica;
    mkdir(options.cert_dir.c_str(), 0700);
    return options;
  }

  std::string CaBundle() {
    absl::StatusOr<json::object> configuration = client_->Get(
        {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "", "spillway", ""});
    std::string bundle;
    absl::Base64Unescape(json_fields::String(configuration->at("webhooks").as_array()[0].at("clientConfig").as_object(),
                                             "caBundle"),
                         &bundle);
    return bundle;
  }
};

TEST_F(SelfManagedCertificatesTest, FromEmptyTheSecretAndCaBundleAreWrittenAndAReplicaReusesThem) {
  SelfManagedCertificates first(*client_, Options("a"));
  ASSERT_TRUE(first.Reconcile(absl::Now()).ok());
  const std::string ca = CaBundle();
  ASSERT_THAT(ca, HasSubstr("BEGIN CERTIFICATE"));
  const std::string cert = ReadFile(Options("a").cert_dir + "/tls.crt");
  ASSERT_THAT(cert, HasSubstr("BEGIN CERTIFICATE"));

  SelfManagedCertificates second(*client_, Options("b"));
  ASSERT_TRUE(second.Reconcile(absl::Now()).ok());
  EXPECT_EQ(ReadFile(Options("b").cert_dir + "/tls.crt"), cert) << "the second replica issued its own";
  EXPECT_EQ(CaBundle(), ca);

  // The issued pair serves TLS that a client trusting the caBundle accepts
  // for the Service's name.
  http::ServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.tls_cert_file = Options("a").cert_dir + "/tls.crt";
  server_options.tls_key_file = Options("a").cert_dir + "/tls.key";
  absl::StatusOr<std::unique_ptr<http::Server>> server =
      http::Server::Start(server_options, [](http::Request&) { return http::Response(); });
  ASSERT_TRUE(server.ok()) << server.status();
  http::ClientOptions client_options;
  client_options.port = (*server)->port();
  client_options.tls = true;
  client_options.ca_pem = ca;
  client_options.tls_server_name = "spillway-webhook.kube-system.svc";
  http::Client client(client_options);
  absl::StatusOr<http::ClientResponse> response = client.Get("/");
  ASSERT_TRUE(response.ok()) << response.status();
}

TEST_F(SelfManagedCertificatesTest, TheServingCertificateIsRenewedBeforeItExpiresKeepingTheCa) {
  SelfManagedCertificates replica(*client_, Options("a"));
  const absl::Time now = absl::Now();
  ASSERT_TRUE(replica.Reconcile(now).ok());
  const std::string ca = CaBundle();
  const std::string cert = ReadFile(Options("a").cert_dir + "/tls.crt");
  ASSERT_TRUE(replica.Reconcile(now + absl::Hours(24)).ok());
  EXPECT_EQ(ReadFile(Options("a").cert_dir + "/tls.crt"), cert) << "renewed too early";
  ASSERT_TRUE(replica.Reconcile(now + absl::Hours(24 * 340)).ok());
  const std::string renewed = ReadFile(Options("a").cert_dir + "/tls.crt");
  EXPECT_NE(renewed, cert);
  EXPECT_EQ(CaBundle(), ca) << "renewal must not change the CA the API server trusts";
  absl::StatusOr<absl::Time> not_after = NotAfter(renewed);
  ASSERT_TRUE(not_after.ok());
  EXPECT_GT(*not_after, now + absl::Hours(24 * 600));
}

TEST(CertificatesTest, IssuedCertificatesNameTheServiceAndChainToTheCa) {
  absl::StatusOr<Certificates> issued = IssueCertificates(ServiceDnsNames("kube-system", "spillway-webhook"),
                                                          absl::Now(), absl::Hours(24), absl::Hours(48));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_THAT(issued->key_pem, HasSubstr("PRIVATE KEY"));
  absl::StatusOr<absl::Time> not_after = NotAfter(issued->cert_pem);
  ASSERT_TRUE(not_after.ok());
  EXPECT_LT(*not_after, absl::Now() + absl::Hours(25));
  EXPECT_EQ(NotAfter("garbage").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace spillway::webhook
