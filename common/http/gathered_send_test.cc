#include "common/http/internal/gathered_send.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "boost/beast/http.hpp"
#include "gtest/gtest.h"

namespace spillway::http::internal {
namespace {

namespace bhttp = boost::beast::http;

class GatheredSendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
    const int small = 4096;  // The kernel doubles it; still far below what is sent.
    ASSERT_EQ(::setsockopt(fds_[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    ASSERT_EQ(::fcntl(fds_[1], F_SETFL, O_NONBLOCK), 0);
  }
  void TearDown() override {
    if (fds_[0] >= 0) ::close(fds_[0]);
    ::close(fds_[1]);
  }

  // Everything the peer can read now.
  std::string Drain() {
    std::string out;
    char chunk[65536];
    ssize_t n;
    while ((n = ::read(fds_[1], chunk, sizeof(chunk))) > 0) out.append(chunk, static_cast<size_t>(n));
    return out;
  }

  int fds_[2] = {-1, -1};
};

// 3,000 buffers of varied sizes (some empty), more than one sendmsg takes
// and far more than the socket holds: each call sends what fits and says
// would_block, the next goes on from the byte after, and the peer reads
// exactly the buffers joined.
TEST_F(GatheredSendTest, SendsEveryByteInOrderAcrossFullBuffersAndCalls) {
  std::vector<std::string> texts;
  std::string joined;
  for (int i = 0; i < 3000; ++i) {
    texts.push_back(std::string(static_cast<size_t>((i * 37) % 500), static_cast<char>('a' + i % 26)));
    joined += texts.back();
  }
  std::vector<boost::asio::const_buffer> buffers;
  for (const std::string& text : texts) buffers.emplace_back(text.data(), text.size());
  size_t first = 0;
  size_t offset = 0;
  std::string received;
  int blocked = 0;
  bool stopped_inside_a_buffer = false;
  while (first < buffers.size()) {
    const boost::system::error_code ec = SendSome(fds_[0], buffers, &first, &offset);
    if (ec == boost::asio::error::would_block) {
      ++blocked;
      stopped_inside_a_buffer |= offset > 0;
    } else {
      ASSERT_FALSE(ec) << ec.message();
    }
    ASSERT_LE(first, buffers.size());
    if (first < buffers.size()) {
      ASSERT_LT(offset, buffers[first].size()) << "buffer " << first;
    }
    received += Drain();
    ASSERT_LT(blocked, 100000) << "no progress";
  }
  received += Drain();
  EXPECT_EQ(received.size(), joined.size());
  EXPECT_TRUE(received == joined);
  EXPECT_GT(blocked, 1);
  EXPECT_TRUE(stopped_inside_a_buffer);
}

// Buffers that fit go in one call, with no would_block.
TEST_F(GatheredSendTest, ASmallAnswerGoesAtOnce) {
  const std::string a = "HTTP/1.1 200 OK\r\n\r\n";
  const std::string b = "[\"x\",";
  const std::string c = "\"y\"]";
  std::vector<boost::asio::const_buffer> buffers = {{a.data(), a.size()}, {nullptr, 0}, {b.data(), b.size()},
                                                    {c.data(), c.size()}};
  size_t first = 0;
  size_t offset = 0;
  EXPECT_FALSE(SendSome(fds_[0], buffers, &first, &offset));
  EXPECT_EQ(first, buffers.size());
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(Drain(), a + b + c);
}

// A peer that went away is the socket's error, not a signal that ends the
// process.
TEST_F(GatheredSendTest, APeerThatWentAwayIsAnError) {
  ::close(fds_[1]);
  fds_[1] = ::open("/dev/null", O_RDONLY);  // TearDown closes something.
  const std::string text = "abc";
  std::vector<boost::asio::const_buffer> buffers = {{text.data(), text.size()}};
  size_t first = 0;
  size_t offset = 0;
  const boost::system::error_code ec = SendSome(fds_[0], buffers, &first, &offset);
  EXPECT_EQ(ec, boost::system::error_code(EPIPE, boost::system::system_category())) << ec.message();
  EXPECT_EQ(first, 0u);
}

// A position moves past whole buffers and the empty ones after them; the
// window from it starts inside its buffer and holds at most 64 buffers.
TEST(GatheredPositionTest, AdvanceAndWindow) {
  const std::string text(10, 'x');
  std::vector<boost::asio::const_buffer> buffers = {{text.data(), 4}, {text.data(), 0}, {text.data(), 6}};
  for (int i = 0; i < 100; ++i) buffers.emplace_back(text.data(), 10);
  size_t first = 0;
  size_t offset = 0;
  Advance(buffers, 4, &first, &offset);
  EXPECT_EQ(first, 2u) << "past the empty buffer";
  EXPECT_EQ(offset, 0u);
  Advance(buffers, 9, &first, &offset);
  EXPECT_EQ(first, 3u);
  EXPECT_EQ(offset, 3u);
  std::vector<boost::asio::const_buffer> window;
  Window(buffers, first, offset, &window);
  ASSERT_EQ(window.size(), kAsioGatheredBuffers);
  EXPECT_EQ(window[0].size(), 7u);
  EXPECT_EQ(static_cast<const char*>(window[0].data()), text.data() + 3);
  EXPECT_EQ(window[1].size(), 10u);
  Advance(buffers, 7 + 99 * 10, &first, &offset);
  EXPECT_EQ(first, buffers.size());
  EXPECT_EQ(offset, 0u);
}

// The header's bytes are Beast's own serialisation of it, for both versions
// and a repeated field.
TEST(HeaderBytesTest, MatchesBeastsSerialisation) {
  for (unsigned version : {10u, 11u}) {
    bhttp::response<bhttp::empty_body> response{bhttp::status::service_unavailable, version};
    response.set(bhttp::field::server, "spillway");
    response.set(bhttp::field::content_type, "application/json");
    response.insert("X-Repeated", "1");
    response.insert("X-Repeated", "2");
    response.content_length(12345);
    response.keep_alive(version == 10);
    std::ostringstream beast;
    beast << response.base();
    EXPECT_EQ(HeaderBytes(response.base()), beast.str()) << "HTTP/1." << version % 10;
  }
}

}  // namespace
}  // namespace spillway::http::internal
