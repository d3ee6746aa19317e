// What hostile traffic can make a clinicd process hold, measured on a real
// child process: a gRPC message whose length prefix claims 4 GiB, spoken in
// raw HTTP/2 without credentials, and a flood of calls cancelled while they
// wait. The server's resident memory (/proc/<pid>/status) must stay far
// below what was sent, the refusal must reach the caller, and the server
// must keep answering.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "clinic/v1/clients.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/test_env.h"

extern char** environ;

namespace clinic {
namespace {

using Clock = std::chrono::steady_clock;

// Polls `done` until it holds or `limit` passes.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// clinicd in a child process, its output in files.
class Clinicd {
 public:
  explicit Clinicd(const clinic::testing::TempDir& dir, const std::string& server_block = "") {
    clinic::testing::WriteFile(dir.Join("clinicd.textproto"), R"(
chain {
  chain_id: "lumen"
  display_name: "Lumen Skin Clinics"
  sites { site_id: "london-soho" display_name: "Soho" time_zone: "Europe/London"
          currency_code: "GBP" tax_rate_basis_points: 2000 }
}
)" + server_block);
    token_file_ = dir.Join("admin.token");
    const std::vector<std::string> args = {clinic::testing::BinaryPath("clinicd"),
                                           "--config=" + dir.Join("clinicd.textproto"),
                                           "--listen=127.0.0.1:0",
                                           "--data_dir=" + dir.Join("data"),
                                           "--plugin_dir=" + dir.path(),
                                           "--log_level=info",
                                           "--port_file=" + dir.Join("port"),
                                           "--bootstrap_admin_token=" + token_file_};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = dir.Join("clinicd.log");
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    log_path_ = out;
    const std::string port_file = dir.Join("port");
    EXPECT_TRUE(WaitFor([&] { return !clinic::testing::ReadFile(port_file).empty(); }));
    port_ = std::stoi("0" + clinic::testing::ReadFile(port_file));
  }
  ~Clinicd() {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  bool Alive() const { return kill(pid_, 0) == 0; }
  int port() const { return port_; }
  std::string Log() const { return clinic::testing::ReadFile(log_path_); }
  std::string Token() const {
    std::string token = clinic::testing::ReadFile(token_file_);
    while (!token.empty() && token.back() == '\n') token.pop_back();
    return token;
  }

  // VmRSS (or another /proc/<pid>/status line in kB) in bytes; 0 if gone.
  int64_t Memory(const std::string& key = "VmRSS") const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1)) * 1024;
    }
    return 0;
  }

  bool Healthy() const {
    auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    return health->Check(&context, request, &response).ok() &&
           response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
  std::string token_file_;
};

// Samples a process's resident memory in the background; keeps the peak.
class PeakSampler {
 public:
  explicit PeakSampler(const Clinicd& server) : server_(server) {
    thread_ = std::thread([this] {
      while (!stop_) {
        const int64_t rss = server_.Memory();
        if (rss > peak_) peak_ = rss;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  ~PeakSampler() { Stop(); }
  int64_t Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return peak_;
  }

 private:
  const Clinicd& server_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_{0};
  std::thread thread_;
};

// Just enough HTTP/2 (RFC 9113) and HPACK (RFC 7541) to send one gRPC call
// whose message claims 0xFFFFFFFF bytes, and to see how the server answers.
class RawHttp2Call {
 public:
  explicit RawHttp2Call(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    if (!connected_) return;
    std::string start = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    start += Frame(kSettings, 0, 0, "");
    std::string block;
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {":method", "POST"},
             {":scheme", "http"},
             {":path", "/clinic.v1.ClientRecords/GetClient"},
             {":authority", "127.0.0.1"},
             {"content-type", "application/grpc"},
             {"te", "trailers"}}) {
      // Literal header field without indexing, new name, no Huffman coding;
      // every string here is shorter than 127 bytes.
      block += '\0';
      block += static_cast<char>(name.size());
      block += name;
      block += static_cast<char>(value.size());
      block += value;
    }
    start += Frame(kHeaders, kEndHeaders, 1, block);
    connected_ = SendAll(start);
    reader_ = std::thread([this] { Read(); });
  }

  ~RawHttp2Call() {
    shutdown(fd_, SHUT_RDWR);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      changed_.notify_all();
    }
    if (reader_.joinable()) reader_.join();
    close(fd_);
  }

  // Sends the 5-byte prefix claiming 0xFFFFFFFF bytes, then filler, as fast
  // as flow control allows, until the server refuses, stops granting
  // window for `stall`, `limit` bytes are sent, or `time` passes.
  int64_t SendHugeMessage(int64_t limit, std::chrono::seconds time, std::chrono::seconds stall) {
    const auto end = Clock::now() + time;
    std::string payload(16384, 'x');
    payload.replace(0, 5, std::string("\x00\xff\xff\xff\xff", 5));
    bool first = true;
    int64_t sent = 0;
    while (sent < limit && Clock::now() < end) {
      int64_t size = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        const bool granted = changed_.wait_for(lock, stall, [this] {
          return refused_ || closed_ || (connection_window_ > 0 && stream_window_ > 0);
        });
        if (!granted) {
          stalled_ = true;
          break;
        }
        if (refused_ || closed_) break;
        size = std::min<int64_t>(
            {connection_window_, stream_window_, static_cast<int64_t>(payload.size())});
        connection_window_ -= size;
        stream_window_ -= size;
      }
      const std::string data = first ? payload.substr(0, size) : payload.substr(5, size);
      first = false;
      if (!SendAll(Frame(kData, 0, 1, data))) break;
      sent += size;
    }
    return sent;
  }

  bool connected() const { return connected_; }
  // The server reset the stream, sent GOAWAY, or ended the stream with its
  // status (gRPC's trailers-only answer).
  bool refused() {
    std::lock_guard<std::mutex> lock(mutex_);
    return refused_;
  }
  bool stalled() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stalled_;
  }
  std::string how() {
    std::lock_guard<std::mutex> lock(mutex_);
    return how_;
  }

 private:
  static constexpr uint8_t kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4, kPing = 6,
                           kGoaway = 7, kWindowUpdate = 8;
  static constexpr uint8_t kEndStream = 1, kAck = 1, kEndHeaders = 4;

  static std::string Frame(uint8_t type, uint8_t flags, uint32_t stream,
                           const std::string& payload) {
    std::string frame;
    const uint32_t length = static_cast<uint32_t>(payload.size());
    frame += static_cast<char>(length >> 16);
    frame += static_cast<char>(length >> 8);
    frame += static_cast<char>(length);
    frame += static_cast<char>(type);
    frame += static_cast<char>(flags);
    for (int shift = 24; shift >= 0; shift -= 8) frame += static_cast<char>(stream >> shift);
    return frame + payload;
  }

  static uint32_t Number(const std::string& bytes, size_t at, int size) {
    uint32_t value = 0;
    for (int i = 0; i < size; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[at + i]);
    return value;
  }

  bool SendAll(const std::string& bytes) {
    std::lock_guard<std::mutex> lock(send_mutex_);
    size_t done = 0;
    while (done < bytes.size()) {
      pollfd ready{fd_, POLLOUT, 0};
      if (poll(&ready, 1, 10000) <= 0) return false;
      const ssize_t written = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (written <= 0) return false;
      done += static_cast<size_t>(written);
    }
    return true;
  }

  bool ReadExactly(std::string& out, size_t size) {
    out.resize(size);
    size_t done = 0;
    while (done < size) {
      const ssize_t got = recv(fd_, out.data() + done, size - done, 0);
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }

  void Read() {
    std::string header, payload;
    while (ReadExactly(header, 9)) {
      const uint32_t length = Number(header, 0, 3);
      const uint8_t type = static_cast<uint8_t>(header[3]);
      const uint8_t flags = static_cast<uint8_t>(header[4]);
      const uint32_t stream = Number(header, 5, 4) & 0x7fffffff;
      if (!ReadExactly(payload, length)) break;
      std::lock_guard<std::mutex> lock(mutex_);
      if (type == kSettings && !(flags & kAck)) {
        for (size_t at = 0; at + 6 <= payload.size(); at += 6) {
          if (Number(payload, at, 2) == 4) {  // SETTINGS_INITIAL_WINDOW_SIZE
            stream_window_ += static_cast<int64_t>(Number(payload, at + 2, 4)) - 65535;
          }
        }
        SendAll(Frame(kSettings, kAck, 0, ""));
      } else if (type == kPing && !(flags & kAck)) {
        SendAll(Frame(kPing, kAck, 0, payload));
      } else if (type == kWindowUpdate && payload.size() == 4) {
        (stream == 0 ? connection_window_ : stream_window_) += Number(payload, 0, 4) & 0x7fffffff;
      } else if (type == kRstStream || type == kGoaway ||
                 (type == kHeaders && stream == 1 && (flags & kEndStream))) {
        refused_ = true;
        how_ = type == kRstStream ? "RST_STREAM" : (type == kGoaway ? "GOAWAY" : "trailers");
      }
      changed_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!refused_) how_ = "connection closed";
    refused_ = true;
    changed_.notify_all();
  }

  int fd_ = -1;
  bool connected_ = false;
  std::thread reader_;
  std::mutex send_mutex_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t connection_window_ = 65535;
  int64_t stream_window_ = 65535;
  bool refused_ = false;
  bool stalled_ = false;
  bool closed_ = false;
  std::string how_;
};

constexpr int64_t kMiB = 1 << 20;

TEST(EdgeMemoryTest, AMessageClaiming4GiBIsRefusedWithoutTheServerHoldingIt) {
  clinic::testing::TempDir dir;
  Clinicd server(dir, "server { memory_limit_bytes: 16777216 }\n");
  ASSERT_TRUE(server.Healthy());
  const int64_t baseline = server.Memory();

  PeakSampler sampler(server);
  RawHttp2Call call(server.port());
  ASSERT_TRUE(call.connected());
  const int64_t sent =
      call.SendHugeMessage(512 * kMiB, std::chrono::seconds(20), std::chrono::seconds(3));
  // The answer may still be on its way when the sender stops.
  WaitFor([&] { return call.refused(); }, std::chrono::seconds(5));
  const int64_t peak = sampler.Stop();
  std::cerr << "sent " << sent / kMiB << " MiB; RSS baseline " << baseline / kMiB << " MiB, peak "
            << peak / kMiB << " MiB; refused: " << call.refused() << " (" << call.how()
            << "), stalled: " << call.stalled() << "\n";

  EXPECT_TRUE(call.refused()) << "the server neither reset the stream nor answered";
  EXPECT_LT(peak - baseline, 64 * kMiB) << "after " << sent / kMiB << " MiB sent";
  EXPECT_TRUE(server.Alive());
  EXPECT_TRUE(server.Healthy());
  // One bounded line says what happened to the call.
  EXPECT_THAT(server.Log(), ::testing::HasSubstr("server.memory_limit_bytes, ran out"));
}

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string frame;
  const uint32_t length = static_cast<uint32_t>(payload.size());
  for (int shift = 16; shift >= 0; shift -= 8) frame += static_cast<char>(length >> shift);
  frame += static_cast<char>(type);
  frame += static_cast<char>(flags);
  for (int shift = 24; shift >= 0; shift -= 8) frame += static_cast<char>(stream >> shift);
  return frame + payload;
}

// HPACK literal header field without indexing, new name, no Huffman coding.
std::string Literal(const std::string& name, const std::string& value) {
  std::string field(1, '\0');
  field += static_cast<char>(name.size());
  field += name;
  if (value.size() < 127) {
    field += static_cast<char>(value.size());
  } else {
    field += '\x7f';
    for (size_t rest = value.size() - 127;; rest >>= 7) {
      if (rest < 128) {
        field += static_cast<char>(rest);
        break;
      }
      field += static_cast<char>(0x80 | (rest & 0x7f));
    }
  }
  return field + value;
}

// The flood from issue 8: on each of `connections` connections, streams
// that each start an authenticated CreateClient, send the first 16 KiB of a
// 1 MB message and cancel (RST_STREAM), as fast as the socket takes them.
void FloodWithCancelledStreams(const Clinicd& server, int streams, int connections) {
  const std::string token = server.Token();
  const std::string headers =
      Literal(":method", "POST") + Literal(":scheme", "http") +
      Literal(":path", "/clinic.v1.ClientRecords/CreateClient") + Literal(":authority", "x") +
      Literal("content-type", "application/grpc") + Literal("te", "trailers") +
      Literal("authorization", "Bearer " + token);
  std::string data(16384, '\x0a');
  data.replace(0, 5, std::string("\x00\x00\x0f\x42\x40", 5));  // claims 1,000,000 bytes
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(server.port()));
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
      auto send_all = [fd](const std::string& bytes) {
        for (size_t done = 0; done < bytes.size();) {
          const ssize_t n = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
          if (n <= 0) return false;
          done += static_cast<size_t>(n);
        }
        return true;
      };
      auto drain = [fd] {
        char buffer[65536];
        while (recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT) > 0) {
        }
      };
      send_all("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + Frame(4, 0, 0, "") + Frame(4, 1, 0, ""));
      for (int i = 0; i < streams / connections; ++i) {
        const uint32_t id = 2 * static_cast<uint32_t>(i) + 1;
        if (!send_all(Frame(1, 4, id, headers) + Frame(0, 0, id, data) +
                      Frame(3, 0, id, std::string("\x00\x00\x00\x08", 4)))) {
          break;
        }
        if (i % 100 == 0) drain();
      }
      drain();
      close(fd);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

TEST(EdgeMemoryTest, MemoryReturnsNearTheBaselineAfterAFloodOfCancelledStreams) {
  clinic::testing::TempDir dir;
  Clinicd server(dir);
  ASSERT_TRUE(server.Healthy());
  const int64_t baseline = server.Memory();

  FloodWithCancelledStreams(server, 5000, 4);
  ASSERT_TRUE(server.Healthy());
  const int64_t after_flood = server.Memory();
  // Memory is returned once the burst has drained; wait for it, not a time.
  const bool settled =
      WaitFor([&] { return server.Memory() - baseline < 24 * kMiB; }, std::chrono::seconds(12));
  const int64_t settled_at = server.Memory();
  std::cerr << "RSS baseline " << baseline / kMiB << " MiB, right after 5,000 cancelled streams "
            << after_flood / kMiB << " MiB, then " << settled_at / kMiB << " MiB (peak "
            << server.Memory("VmHWM") / kMiB << " MiB)\n";
  EXPECT_TRUE(settled) << "RSS stayed " << (settled_at - baseline) / kMiB
                       << " MiB above the baseline";
  EXPECT_TRUE(server.Alive());
}

// A stream that ends inside the 5-byte message prefix (or inside the
// message) carries no request: the call is refused as INVALID_ARGUMENT
// saying so, never UNIMPLEMENTED, and the log line (like the audit event)
// records it.
TEST(EdgeMemoryTest, AStreamEndingInsideTheMessagePrefixIsNotUnimplemented) {
  clinic::testing::TempDir dir;
  Clinicd server(dir);
  ASSERT_TRUE(server.Healthy());
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  std::string bytes = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + Frame(4, 0, 0, "") + Frame(4, 1, 0, "");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated-prefix", std::string("\x00\x00\x00", 3)},
      {"truncated-message", std::string("\x00\x00\x00\x00\x10\x0a\x02", 7)}};
  uint32_t id = 1;
  for (const auto& [request_id, data] : cases) {
    const std::string headers =
        Literal(":method", "POST") + Literal(":scheme", "http") +
        Literal(":path", "/clinic.v1.ClientRecords/GetClient") + Literal(":authority", "x") +
        Literal("content-type", "application/grpc") + Literal("te", "trailers") +
        Literal("authorization", "Bearer " + server.Token()) + Literal("x-request-id", request_id);
    bytes += Frame(1, 4, id, headers) + Frame(0, 1, id, data);  // END_STREAM
    id += 2;
  }
  ASSERT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  for (const auto& [request_id, data] : cases) {
    SCOPED_TRACE(request_id);
    std::string line;
    ASSERT_TRUE(WaitFor([&] {
      const std::string log = server.Log();
      const size_t at = log.find("\"request_id\":\"" + request_id + "\"");
      if (at == std::string::npos) return false;
      const size_t start = log.rfind('\n', at);
      line = log.substr(start == std::string::npos ? 0 : start + 1,
                        log.find('\n', at) - (start == std::string::npos ? 0 : start + 1));
      return true;
    }));
    EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("UNIMPLEMENTED")));
    EXPECT_THAT(line, ::testing::HasSubstr("\"code\":\"INVALID_ARGUMENT\""));
    EXPECT_THAT(line, ::testing::HasSubstr("could not be parsed as clinic.v1.GetClientRequest"));
  }
  close(fd);
  EXPECT_TRUE(server.Healthy());
}

}  // namespace
}  // namespace clinic
