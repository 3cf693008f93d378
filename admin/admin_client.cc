#include "admin/admin_client.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "proto/admin.grpc.pb.h"

namespace spillway::admin {
namespace {

absl::Status FromGrpc(const grpc::Status& status, const std::string& server) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) {
    return absl::Status(code, absl::StrCat("cannot reach the admin API at ", server, ": ", status.error_message(),
                                           ". Check that spillway serve runs the admin component "
                                           "(--components=...,admin) and that its --admin-listen port is reachable "
                                           "from here (e.g. kubectl -n kube-system port-forward deploy/spillway "
                                           "10264)"));
  }
  return absl::Status(code, status.error_message());
}

std::unique_ptr<v1::Admin::Stub> Stub(const std::string& server) {
  return v1::Admin::NewStub(grpc::CreateChannel(server, grpc::InsecureChannelCredentials()));
}

void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

}  // namespace

absl::StatusOr<v1::ExplainResponse> CallExplain(const std::string& server, const std::string& ns,
                                                const std::string& pod, absl::Duration timeout) {
  v1::ExplainRequest request;
  request.set_namespace_(ns);
  request.set_pod(pod);
  v1::ExplainResponse response;
  grpc::ClientContext context;
  SetDeadline(context, timeout);
  grpc::Status status = Stub(server)->Explain(&context, request, &response);
  if (!status.ok()) return FromGrpc(status, server);
  return response;
}

absl::StatusOr<v1::StatusResponse> CallStatus(const std::string& server, absl::Duration timeout) {
  v1::StatusResponse response;
  grpc::ClientContext context;
  SetDeadline(context, timeout);
  grpc::Status status = Stub(server)->Status(&context, v1::StatusRequest(), &response);
  if (!status.ok()) return FromGrpc(status, server);
  return response;
}

}  // namespace spillway::admin
