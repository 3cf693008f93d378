#include "common/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

#include "common/http/client.h"
#include "common/text_pieces.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Notified when a /slow request reaches the handler.
absl::Notification* slow_request_entered = nullptr;

// What /pieces answers borrow from; expires once the server let go of it.
std::weak_ptr<const std::string> pieces_owner;

// /pieces: 300 borrowed runs of 1,000 bytes (more than asio's gathered write
// takes, 64) between copied separators, the string kept alive by the pieces
// alone. /many-pieces: 2,000 runs of 10,000 bytes, 20 MB in 4,000 pieces:
// more than one sendmsg takes (1,024) and more than a socket holds.
struct PiecesShape {
  int runs;
  size_t run_bytes;
};
constexpr PiecesShape kPieces{300, 1000};
constexpr PiecesShape kManyPieces{2000, 10000};

Response Pieces(Request& request, PiecesShape shape) {
  auto owner = std::make_shared<const std::string>([&] {
    std::string text;
    for (int i = 0; i < shape.runs; ++i) text += std::string(shape.run_bytes, static_cast<char>('a' + i % 26));
    return text;
  }());
  pieces_owner = owner;
  auto pieces = std::make_shared<TextPieces>();
  pieces->Append("[");
  for (int i = 0; i < shape.runs; ++i) {
    if (i > 0) pieces->Append("|");
    pieces->AppendBorrowed(absl::string_view(*owner).substr(static_cast<size_t>(i) * shape.run_bytes, shape.run_bytes));
  }
  pieces->Append("]");
  pieces->KeepAlive(std::move(owner));
  Response response;
  response.content_type = "text/plain";
  response.body = std::move(request.response_buffer);
  response.body_pieces = std::move(pieces);
  return response;
}

// The joined text a pieces answer of `shape` is.
std::string PiecesText(PiecesShape shape = kPieces) {
  std::string text = "[";
  for (int i = 0; i < shape.runs; ++i) {
    if (i > 0) text += "|";
    text += std::string(shape.run_bytes, static_cast<char>('a' + i % 26));
  }
  return text + "]";
}

// Echoes the request so tests can see exactly what the handler received.
Response Echo(Request& request) {
  Response response;
  response.content_type = "text/plain";
  if (request.target == "/pieces") return Pieces(request, kPieces);
  if (request.target == "/many-pieces") return Pieces(request, kManyPieces);
  if (request.target == "/throw") throw std::runtime_error("boom");
  if (request.target == "/slow") {
    if (slow_request_entered != nullptr) slow_request_entered->Notify();
    absl::SleepFor(absl::Milliseconds(300));
  }
  response.body = request.method + " " + request.target + " " + std::to_string(request.body.size()) +
                  " padded=" +
                  (request.body.capacity() >= request.body.size() + kBodyPadding ? "yes" : "no");
  return response;
}

// A plain TCP connection for requests the HTTP client would never send:
// partial headers, stalls, bodies that never come.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) { (void)!send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // Everything the server sends until it closes the connection or `wait`
  // passes; `closed` tells which.
  std::string Read(absl::Duration wait, bool* closed = nullptr) {
    std::string out;
    const absl::Time deadline = absl::Now() + wait;
    if (closed != nullptr) *closed = false;
    for (;;) {
      const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
      if (left <= 0) return out;
      pollfd p = {fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) return out;
      char buf[4096];
      const ssize_t n = read(fd_, buf, sizeof(buf));
      if (n <= 0) {
        if (closed != nullptr) *closed = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, Echo);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  ClientOptions Options() const {
    ClientOptions options;
    options.port = server_->port();
    options.tls = server_->tls();
    return options;
  }

  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, ServesManyRequestsOnOneKeepAliveConnection) {
  StartServer({});
  Client client(Options());
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<ClientResponse> response = client.Post("/extender/filter", std::string(i, 'x'));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "POST /extender/filter " + std::to_string(i) + " padded=yes");
  }
}

// A body of pieces arrives joined, with its length, on a kept-alive
// connection that goes on serving; the server lets go of what the pieces
// borrow once the answer is written.
TEST_F(ServerTest, BodiesInPiecesArriveWholeAndAreReleased) {
  StartServer({});
  Client client(Options());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<ClientResponse> pieces = client.Post("/pieces", "x");
    ASSERT_TRUE(pieces.ok()) << pieces.status();
    EXPECT_EQ(pieces->status, 200);
    EXPECT_EQ(pieces->body, PiecesText());
    absl::StatusOr<ClientResponse> echo = client.Post("/extender/filter", "abc");
    ASSERT_TRUE(echo.ok()) << echo.status();
    EXPECT_EQ(echo->body, "POST /extender/filter 3 padded=yes");
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!pieces_owner.expired() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(pieces_owner.expired());
}

// An answer of more pieces than one system call takes, to a reader that
// waits before reading: what the full socket refused follows when the reader
// reads, every byte in order, and the connection goes on serving.
TEST_F(ServerTest, ALargeAnswerInPiecesWaitsForASlowReader) {
  StartServer({});
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("POST /many-pieces HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
  absl::SleepFor(absl::Milliseconds(300));  // The server's socket buffer fills meanwhile.
  const std::string want = PiecesText(kManyPieces);
  std::string answer;
  size_t header_end = std::string::npos;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    answer += raw.Read(absl::Milliseconds(100));
    header_end = answer.find("\r\n\r\n");
    if (header_end != std::string::npos && answer.size() >= header_end + 4 + want.size()) break;
  }
  ASSERT_NE(header_end, std::string::npos) << answer.substr(0, 200);
  const std::string header = answer.substr(0, header_end + 4);
  EXPECT_THAT(header, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(header, HasSubstr("Content-Length: " + std::to_string(want.size()) + "\r\n"));
  ASSERT_EQ(answer.size(), header.size() + want.size());
  EXPECT_TRUE(answer.compare(header.size(), want.size(), want) == 0) << "the body differs from the pieces joined";
  raw.Send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(raw.Read(absl::Seconds(2)), HasSubstr("GET /after 0"));
  const absl::Time released = absl::Now() + absl::Seconds(5);
  while (!pieces_owner.expired() && absl::Now() < released) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(pieces_owner.expired());
}

// A reader that never reads holds a large answer in pieces only until the
// connection's timeout; one that hangs up mid-answer lets go of it at once.
// Either way the server goes on serving.
TEST_F(ServerTest, AnAnswerInPiecesIsLetGoWhenItsReaderStallsOrHangsUp) {
  ServerOptions options;
  options.idle_timeout = absl::Seconds(1);
  StartServer(options);
  auto released_within = [](absl::Duration wait) {
    const absl::Time deadline = absl::Now() + wait;
    while (!pieces_owner.expired() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    return pieces_owner.expired();
  };
  {
    RawConnection stalled(server_->port());
    ASSERT_TRUE(stalled.connected());
    stalled.Send("POST /many-pieces HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
    absl::SleepFor(absl::Milliseconds(200));
    EXPECT_FALSE(pieces_owner.expired()) << "20 MB cannot have been written to a reader that reads nothing";
    EXPECT_TRUE(released_within(absl::Seconds(5))) << "still held past the 1 s timeout";
  }
  {
    RawConnection hung_up(server_->port());
    ASSERT_TRUE(hung_up.connected());
    hung_up.Send("POST /many-pieces HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
    absl::SleepFor(absl::Milliseconds(100));
  }  // Closed with most of the answer unread.
  EXPECT_TRUE(released_within(absl::Milliseconds(900))) << "still held after the reader hung up";
  Client client(Options());
  absl::StatusOr<ClientResponse> echo = client.Post("/extender/filter", "abc");
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->body, "POST /extender/filter 3 padded=yes");
}

TEST_F(ServerTest, RefusesBodiesOverTheLimitWith413AndKeepsServing) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(options);
  Client client(Options());
  absl::StatusOr<ClientResponse> big = client.Post("/x", std::string(1001, 'x'));
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(big->status, 413);
  EXPECT_THAT(big->body, HasSubstr("request body of 1001 bytes exceeds the limit of 1000 bytes"));
  absl::StatusOr<ClientResponse> fits = client.Post("/x", std::string(1000, 'x'));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->status, 200);
}

TEST_F(ServerTest, ChunkedBodiesOverTheLimitAreRefused) {
  ServerOptions options;
  options.max_body_bytes = 10;
  StartServer(options);
  Client client(Options());
  absl::StatusOr<std::string> answer = client.SendRaw(
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(*answer, StartsWith("HTTP/1.1 413"));
  absl::StatusOr<std::string> small = client.SendRaw(
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "4\r\n1234\r\n0\r\n\r\n");
  ASSERT_TRUE(small.ok());
  EXPECT_THAT(*small, HasSubstr("POST /x 4 padded=yes"));
}

// A header declaring a huge body once made the server reserve that much up
// front (and abort on bad_alloc when the limit allowed it).
TEST_F(ServerTest, AHugeDeclaredBodyReservesNothingAndIsShed) {
  ServerOptions options;
  options.max_body_bytes = size_t{1} << 42;
  options.max_body_bytes_in_flight = size_t{1} << 20;
  StartServer(options);
  RawConnection huge(server_->port());
  huge.Send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2199023255552\r\n\r\n0123456789");
  const std::string answer = huge.Read(absl::Seconds(5));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(answer, HasSubstr("Retry-After: 1"));
  EXPECT_THAT(answer, HasSubstr("server.maxBodyBytesInFlight"));
  Client client(Options());
  EXPECT_EQ(client.Post("/x", std::string(1000, 'x'))->status, 200);
}

// Many clients each declaring a large body and sending it slowly: together
// they may hold at most max_body_bytes_in_flight; the next one is told to retry.
TEST_F(ServerTest, BodiesInFlightAreCappedTogether) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  options.max_body_bytes_in_flight = 3000;
  StartServer(options);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 3; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_->port()));
    slow.back()->Send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nabc");
  }
  absl::SleepFor(absl::Milliseconds(200));  // Let the server admit all three.
  Client client(Options());
  absl::StatusOr<ClientResponse> shed = client.Post("/x", std::string(10, 'x'));
  ASSERT_TRUE(shed.ok()) << shed.status();
  EXPECT_EQ(shed->status, 503);
  // One of the slow bodies completes and is answered; its share is released.
  slow[0]->Send(std::string(997, 'x'));
  EXPECT_THAT(slow[0]->Read(absl::Milliseconds(500)), HasSubstr("POST /x 1000 padded=yes"));
  Client next(Options());
  absl::StatusOr<ClientResponse> admitted = next.Post("/x", std::string(10, 'x'));
  ASSERT_TRUE(admitted.ok()) << admitted.status();
  EXPECT_EQ(admitted->status, 200);
}

TEST_F(ServerTest, ChunkedBodiesCountAgainstTheCapAsTheyArrive) {
  ServerOptions options;
  options.max_body_bytes = 100;
  options.max_body_bytes_in_flight = 100;
  StartServer(options);
  RawConnection first(server_->port());
  first.Send("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3c\r\n" + std::string(60, 'x') + "\r\n");
  absl::SleepFor(absl::Milliseconds(200));
  RawConnection second(server_->port());
  second.Send("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
              "3c\r\n" + std::string(60, 'x') + "\r\n");
  EXPECT_THAT(second.Read(absl::Seconds(5)), StartsWith("HTTP/1.1 503"));
  first.Send("0\r\n\r\n");
  EXPECT_THAT(first.Read(absl::Milliseconds(500)), HasSubstr("POST /x 60 padded=yes"));
}

TEST_F(ServerTest, OversizedHeadersAreRefusedWith431) {
  StartServer({});
  RawConnection connection(server_->port());
  connection.Send("GET /x HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(120 * 1024, 'a') +
                  "\r\n\r\n");
  EXPECT_THAT(connection.Read(absl::Seconds(5)), StartsWith("HTTP/1.1 431"));
  // Many fields adding up past the limit, arriving in pieces on a connection
  // whose read buffer grew for an earlier large body.
  RawConnection many(server_->port());
  many.Send("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n" +
            std::string(300000, 'x'));
  EXPECT_THAT(many.Read(absl::Milliseconds(500)), HasSubstr("POST /big 300000"));
  std::string fields;
  for (int i = 0; i < 2000; ++i) fields += "X-F" + std::to_string(i) + ": " + std::string(50, 'b') + "\r\n";
  many.Send("GET /x HTTP/1.1\r\nHost: a\r\n");
  for (size_t i = 0; i < fields.size(); i += 8192) {
    many.Send(fields.substr(i, 8192));
    absl::SleepFor(absl::Milliseconds(1));
  }
  many.Send("\r\n");
  EXPECT_THAT(many.Read(absl::Seconds(5)), StartsWith("HTTP/1.1 431"));
}

TEST_F(ServerTest, AStalledHeaderIsCutOffWhileAnIdleConnectionWaits) {
  ServerOptions options;
  options.header_timeout = absl::Milliseconds(300);
  options.idle_timeout = absl::Seconds(30);
  StartServer(options);
  RawConnection idle(server_->port());
  RawConnection stalled(server_->port());
  stalled.Send("POST /x HTTP/1.1\r\nHost: a\r\n");
  bool closed = false;
  stalled.Read(absl::Seconds(5), &closed);
  EXPECT_TRUE(closed) << "a header that does not complete must not hold the connection";
  // The idle connection outlived the header deadline and still serves.
  idle.Send("GET /still-here HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_THAT(idle.Read(absl::Milliseconds(500)), HasSubstr("GET /still-here 0"));
}

TEST_F(ServerTest, AStalledBodyIsCutOff) {
  ServerOptions options;
  options.body_timeout = absl::Milliseconds(300);
  StartServer(options);
  RawConnection stalled(server_->port());
  stalled.Send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789");
  bool closed = false;
  stalled.Read(absl::Seconds(5), &closed);
  EXPECT_TRUE(closed);
}

TEST_F(ServerTest, IdleConnectionsAreCappedClosingTheOldest) {
  ServerOptions options;
  options.max_idle_connections = 2;
  StartServer(options);
  RawConnection oldest(server_->port());
  absl::SleepFor(absl::Milliseconds(50));
  RawConnection middle(server_->port());
  absl::SleepFor(absl::Milliseconds(50));
  RawConnection newest(server_->port());
  bool closed = false;
  oldest.Read(absl::Seconds(5), &closed);
  EXPECT_TRUE(closed) << "the longest-idle connection is closed past the cap";
  for (RawConnection* kept : {&middle, &newest}) {
    kept->Send("GET /kept HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_THAT(kept->Read(absl::Milliseconds(500)), HasSubstr("GET /kept 0"));
  }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer({});
  RawConnection connection(server_->port());
  connection.Send("GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n");
  const std::string answers = connection.Read(absl::Milliseconds(500));
  ASSERT_THAT(answers, HasSubstr("GET /one 0"));
  ASSERT_THAT(answers, HasSubstr("GET /two 0"));
  EXPECT_LT(answers.find("GET /one"), answers.find("GET /two"));
}

TEST_F(ServerTest, GarbageGets400AndTheServerGoesOn) {
  StartServer({});
  Client client(Options());
  absl::StatusOr<std::string> answer = client.SendRaw("NOT HTTP AT ALL\r\n\r\n");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(*answer, StartsWith("HTTP/1.1 400"));
  absl::StatusOr<ClientResponse> response = client.Get("/healthz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
}

TEST_F(ServerTest, AThrowingHandlerIsA500NotACrash) {
  StartServer({});
  Client client(Options());
  absl::StatusOr<ClientResponse> response = client.Get("/throw");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(client.Get("/ok")->status, 200);
}

TEST_F(ServerTest, ServesHttpsWithTheGivenCertificate) {
  ServerOptions options;
  options.tls_cert_file = testing::RunfilePath("testdata/tls/server.crt");
  options.tls_key_file = testing::RunfilePath("testdata/tls/server.key");
  StartServer(options);
  ClientOptions client_options = Options();
  client_options.ca_file = testing::RunfilePath("testdata/tls/server.crt");
  client_options.host = "127.0.0.1";
  Client client(client_options);
  absl::StatusOr<ClientResponse> response = client.Post("/extender/filter", "{}");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "POST /extender/filter 2 padded=yes");
  // A body of pieces through TLS (an extender behind enableHTTPS).
  absl::StatusOr<ClientResponse> pieces = client.Post("/pieces", "x");
  ASSERT_TRUE(pieces.ok()) << pieces.status();
  EXPECT_EQ(pieces->body, PiecesText());

  ClientOptions plain = Options();
  plain.tls = false;
  Client plain_client(plain);
  absl::StatusOr<ClientResponse> refused = plain_client.Get("/healthz");
  EXPECT_FALSE(refused.ok()) << "a plain-HTTP request to the TLS port must not be served";
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  StartServer({});
  absl::Notification entered;
  slow_request_entered = &entered;
  absl::StatusOr<ClientResponse> response;
  std::thread client_thread([&] {
    Client client(Options());
    response = client.Post("/slow", "{}");
  });
  entered.WaitForNotification();
  server_->Stop();
  client_thread.join();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /slow 2 padded=yes");
  Client late(Options());
  EXPECT_FALSE(late.Get("/healthz").ok()) << "a stopped server accepts nothing";
  slow_request_entered = nullptr;
}

TEST(ServerStartTest, MissingTlsFilesAreNamed) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, Echo);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(server.status().message(), HasSubstr("/nonexistent/cert.pem"));
}

TEST(ServerStartTest, BusyPortIsUnavailable) {
  ServerOptions options;
  options.host = "127.0.0.1";
  absl::StatusOr<std::unique_ptr<Server>> first = Server::Start(options, Echo);
  ASSERT_TRUE(first.ok());
  options.port = (*first)->port();
  absl::StatusOr<std::unique_ptr<Server>> second = Server::Start(options, Echo);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace spillway::http
