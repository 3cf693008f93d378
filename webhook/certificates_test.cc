#include "webhook/certificates.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <vector>
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

// Issue 19.6: a Secret that does not hold together was kept forever (every
// handshake from the API server failing) or made every replica exit at start-up.
TEST_F(SelfManagedCertificatesTest, ABrokenSecretIsRepairedNeverTakenAndNeverFatal) {
  const absl::Time now = absl::Now();
  const std::vector<std::string> names = ServiceDnsNames("kube-system", "spillway-webhook");
  absl::StatusOr<Certificates> good = IssueCertificates(names, now, absl::Hours(24 * 365), absl::Hours(24 * 3650));
  absl::StatusOr<Certificates> other = IssueCertificates(names, now, absl::Hours(24 * 365), absl::Hours(24 * 3650));
  absl::StatusOr<Certificates> expired_ca =
      IssueCertificates(names, now - absl::Hours(48), absl::Hours(24), absl::Hours(24));
  ASSERT_TRUE(good.ok() && other.ok() && expired_ca.ok());
  struct Case {
    std::string name;
    Certificates stored;
    std::string problem;
    bool keeps_ca;
  };
  auto with = [&](std::function<void(Certificates&)> change) {
    Certificates c = *good;
    change(c);
    return c;
  };
  const std::vector<Case> cases = {
      {"signed by another CA", with([&](Certificates& c) { c.cert_pem = other->cert_pem; c.key_pem = other->key_pem; }),
       "tls.crt is not signed by ca.crt", true},
      {"an expired CA", *expired_ca, "the CA expired at", false},
      {"for other names", with([&](Certificates& c) {
         absl::StatusOr<Certificates> renewed = RenewServing(*good, {"other.example.com"}, now, absl::Hours(24));
         c.cert_pem = renewed->cert_pem;
         c.key_pem = renewed->key_pem;
       }),
       "tls.crt is not valid for spillway-webhook.kube-system.svc", true},
      {"the CA as the serving certificate",
       with([&](Certificates& c) { c.cert_pem = c.ca_pem; c.key_pem = c.ca_key_pem; }),
       "tls.crt is a CA certificate", true},
      {"a key that is not the certificate's", with([&](Certificates& c) { c.key_pem = other->key_pem; }),
       "tls.key is not the key of tls.crt", true},
      {"a garbage key", with([&](Certificates& c) { c.key_pem = "garbage"; }), "tls.key is not a PEM private key", true},
      {"garbage", Certificates{"x", "y", "z", "w"}, "ca.crt is not a PEM certificate", false},
      {"a CA key that is not the CA's", with([&](Certificates& c) { c.ca_key_pem = other->ca_key_pem; }),
       "ca.key is not the key of ca.crt", false},
  };
  for (const Case& c : cases) {
    bool ca_sound = true;
    const absl::Status problem = CheckCertificates(c.stored, names, now, &ca_sound);
    EXPECT_THAT(std::string(problem.message()), HasSubstr(c.problem)) << c.name;
    EXPECT_EQ(ca_sound, c.keeps_ca) << c.name;
    // Stored as a Secret, taken up by a replica: repaired, never refused.
    (void)client_->Delete({"", "v1", "secrets", "kube-system", "spillway-webhook-certs", ""});
    json::object data{{"ca.crt", absl::Base64Escape(c.stored.ca_pem)},
                      {"ca.key", absl::Base64Escape(c.stored.ca_key_pem)},
                      {"tls.crt", absl::Base64Escape(c.stored.cert_pem)},
                      {"tls.key", absl::Base64Escape(c.stored.key_pem)}};
    ASSERT_TRUE(client_
                    ->Create({"", "v1", "secrets", "kube-system", "", ""},
                             json::object{{"apiVersion", "v1"},
                                          {"kind", "Secret"},
                                          {"metadata", json::object{{"name", "spillway-webhook-certs"},
                                                                    {"namespace", "kube-system"}}},
                                          {"type", "kubernetes.io/tls"},
                                          {"data", data}})
                    .ok());
    SelfManagedCertificates replica(*client_, Options("repair"));
    ASSERT_TRUE(replica.Start().ok()) << c.name;
    replica.Stop();
    absl::StatusOr<json::object> secret = client_->Get({"", "v1", "secrets", "kube-system", "spillway-webhook-certs", ""});
    ASSERT_TRUE(secret.ok());
    Certificates repaired;
    const json::object& stored = secret->at("data").as_object();
    absl::Base64Unescape(json_fields::String(stored, "ca.crt"), &repaired.ca_pem);
    absl::Base64Unescape(json_fields::String(stored, "ca.key"), &repaired.ca_key_pem);
    absl::Base64Unescape(json_fields::String(stored, "tls.crt"), &repaired.cert_pem);
    absl::Base64Unescape(json_fields::String(stored, "tls.key"), &repaired.key_pem);
    EXPECT_TRUE(CheckCertificates(repaired, names, now, &ca_sound).ok()) << c.name;
    EXPECT_EQ(repaired.ca_pem == c.stored.ca_pem, c.keeps_ca) << c.name;
    EXPECT_EQ(CaBundle(), repaired.ca_pem) << c.name;
    EXPECT_EQ(ReadFile(Options("repair").cert_dir + "/tls.crt"), repaired.cert_pem) << c.name;
    struct stat key_file = {};
    ASSERT_EQ(stat((Options("repair").cert_dir + "/tls.key").c_str(), &key_file), 0);
    EXPECT_EQ(key_file.st_mode & 0777, 0600u) << c.name;
  }
}

TEST_F(SelfManagedCertificatesTest, ADeletedSecretIsRecreatedAndReplicasConvergeWithinSeconds) {
  SelfManagedOptions a = Options("a");
  SelfManagedOptions b = Options("b");
  a.check_every = b.check_every = absl::Milliseconds(200);
  SelfManagedCertificates first(*client_, a);
  SelfManagedCertificates second(*client_, b);
  ASSERT_TRUE(first.Start().ok());
  ASSERT_TRUE(second.Start().ok());
  const std::string before = ReadFile(b.cert_dir + "/tls.crt");
  ASSERT_EQ(ReadFile(a.cert_dir + "/tls.crt"), before);
  ASSERT_TRUE(client_->Delete({"", "v1", "secrets", "kube-system", "spillway-webhook-certs", ""}).ok());
  std::string a_cert, b_cert;
  for (int i = 0; i < 100; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    a_cert = ReadFile(a.cert_dir + "/tls.crt");
    b_cert = ReadFile(b.cert_dir + "/tls.crt");
    if (a_cert != before && a_cert == b_cert) break;
  }
  EXPECT_NE(a_cert, before) << "recreated";
  EXPECT_EQ(a_cert, b_cert) << "both replicas serve the recreated certificate";
  EXPECT_THAT(CaBundle(), HasSubstr("BEGIN CERTIFICATE"));
  first.Stop();
  second.Stop();
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
