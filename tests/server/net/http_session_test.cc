// kring::net::Server's HTTP side over real TLS on 127.0.0.1: keep-alive, requests handled one at
// a time, and its deadlines. A fake acceptor stands in for the service and answers each login
// after a delay the test sets (as a slow password check would).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/net/dev_cert.h"
#include "server/net/server.h"
#include "tests/support/keep_alive_client.h"

namespace kring::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using beast::error_code;
using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;
using test_support::KeepAliveClient;

// ---------------------------------------------------------------------------------------------
// The service side: answers LoginRequest with a session after `delay`, counting how many logins
// it works on at once.

class LoginAcceptor;

class LoginConnection final : public service::Connection {
 public:
  LoginConnection(LoginAcceptor* owner, std::shared_ptr<service::ConnectionSink> sink)
      : owner_(owner), sink_(std::move(sink)) {}
  void OnFrame(std::string_view bytes) override;
  void OnClosed() override {}

 private:
  LoginAcceptor* const owner_;
  const std::shared_ptr<service::ConnectionSink> sink_;
};

class LoginAcceptor final : public service::ConnectionAcceptor {
 public:
  explicit LoginAcceptor(std::chrono::milliseconds delay) : delay_(delay) {}
  ~LoginAcceptor() override {
    for (auto& worker : workers_) worker.join();
  }

  std::shared_ptr<service::Connection> Accept(std::shared_ptr<service::ConnectionSink> sink,
                                              service::PeerInfo) override {
    return std::make_shared<LoginConnection>(this, std::move(sink));
  }
  bool Ready() const override { return true; }

  // The password check: takes `delay_` on a thread of its own, then answers.
  void Check(std::shared_ptr<service::ConnectionSink> sink, uint64_t request_id,
             std::string handle) {
    const int now = in_flight_.fetch_add(1) + 1;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    logins_.fetch_add(1);
    std::lock_guard lock(mu_);
    workers_.emplace_back([this, sink = std::move(sink), request_id, handle = std::move(handle)] {
      std::this_thread::sleep_for(delay_);  // the work itself, not a wait for an event
      v1::ServerFrame frame;
      v1::Response* response = frame.mutable_response();
      response->set_request_id(request_id);
      response->mutable_login()->set_token("token-" + handle);
      response->mutable_login()->mutable_account()->set_handle(handle);
      response->mutable_login()->set_expires_at_ms(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch() + 1h)
              .count());
      in_flight_.fetch_sub(1);
      sink->Send(std::make_shared<const std::string>(frame.SerializeAsString()));
    });
  }

  int max_in_flight() const { return max_in_flight_.load(); }
  int logins() const { return logins_.load(); }

 private:
  const std::chrono::milliseconds delay_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  std::atomic<int> logins_{0};
  std::mutex mu_;
  std::vector<std::thread> workers_;  // guarded by mu_
};

void LoginConnection::OnFrame(std::string_view bytes) {
  v1::ClientFrame frame;
  if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || !frame.has_login()) {
    return;
  }
  owner_->Check(sink_, frame.request_id(), frame.login().handle());
}

std::string Get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

// ---------------------------------------------------------------------------------------------

class HttpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/kring-http-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    auto cert = EnsureDevCertificate(dir_);
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    cert_ = *cert;
    options_.host = "127.0.0.1";
    options_.port = 0;
    options_.io_threads = 2;
    options_.cert_file = cert_.cert_file;
    options_.key_file = cert_.key_file;
    options_.shutdown_timeout = 2s;
  }

  void TearDown() override {
    if (server_) {
      server_->Stop();
      ASSERT_EQ(run_done_.wait_for(kDeadline), std::future_status::ready);
      server_.reset();
    }
    acceptor_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer(std::chrono::milliseconds login_delay = 0ms) {
    acceptor_ = std::make_unique<LoginAcceptor>(login_delay);
    server_ = std::make_unique<Server>(*acceptor_, options_);
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    run_done_ = std::async(std::launch::async, [this] { server_->Run(); });
  }

  KeepAliveClient Client() { return KeepAliveClient(cert_.cert_file); }

  std::string Login(const std::string& handle) const {
    v1::LoginRequest login;
    login.set_handle(handle);
    login.set_password("secret");
    const std::string body = login.SerializeAsString();
    return "POST /v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://127.0.0.1:" +
           std::to_string(port_) + "\r\nContent-Type: application/x-protobuf\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  std::string dir_;
  DevCertificate cert_;
  ServerOptions options_;
  std::unique_ptr<LoginAcceptor> acceptor_;
  std::unique_ptr<Server> server_;
  std::future<void> run_done_;
  uint16_t port_ = 0;
};

TEST_F(HttpSessionTest, OneConnectionCarriesSeveralRequests) {
  StartServer();
  KeepAliveClient client = Client();
  ASSERT_FALSE(client.Connect(port_));
  for (const char* target : {"/healthz", "/readyz", "/healthz"}) {
    ASSERT_FALSE(client.Write(Get(target))) << target;
    auto [ec, response] = client.Read();
    ASSERT_FALSE(ec) << target << ": " << ec.message();
    EXPECT_EQ(response.result_int(), 200u) << target;
    EXPECT_TRUE(response.keep_alive()) << target;
  }
  // A login and then a file request, on the same connection.
  ASSERT_FALSE(client.Write(Login("jo")));
  auto [login_ec, login] = client.Read();
  ASSERT_FALSE(login_ec) << login_ec.message();
  EXPECT_EQ(login.result_int(), 200u) << login.body();
  EXPECT_NE(login[http::field::set_cookie].find("kring_session=token-jo"), std::string::npos);
  ASSERT_FALSE(client.Write(Get("/healthz")));
  EXPECT_EQ(client.Read().second.result_int(), 200u);
}

TEST_F(HttpSessionTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  KeepAliveClient client = Client();
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Write(Get("/healthz") + Get("/nothing-here.txt") + Get("/readyz")));
  std::vector<unsigned> statuses;
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    auto [ec, response] = client.Read();
    ASSERT_FALSE(ec) << i << ": " << ec.message();
    statuses.push_back(response.result_int());
    bodies.push_back(response.body());
  }
  EXPECT_EQ(statuses, (std::vector<unsigned>{200, 404, 200}));
  EXPECT_EQ(bodies[0], "ok");
  EXPECT_EQ(bodies[2], "ready");
}

TEST_F(HttpSessionTest, PipelinedLoginsAreCheckedOneAtATime) {
  StartServer(100ms);
  KeepAliveClient client = Client();
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Write(Login("a") + Login("b") + Login("c")));
  for (const std::string handle : {"a", "b", "c"}) {
    auto [ec, response] = client.Read();
    ASSERT_FALSE(ec) << handle << ": " << ec.message();
    EXPECT_EQ(response.result_int(), 200u) << handle;
    EXPECT_NE(response[http::field::set_cookie].find("token-" + handle), std::string::npos);
  }
  EXPECT_EQ(acceptor_->logins(), 3);
  EXPECT_EQ(acceptor_->max_in_flight(), 1) << "one connection's logins overlapped";
}

TEST_F(HttpSessionTest, ALoginSlowerThanTheHandshakeTimeoutIsStillAnswered) {
  options_.handshake_timeout = 1s;
  StartServer(1500ms);
  KeepAliveClient client = Client();
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Write(Login("jo")));
  auto [ec, response] = client.Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 200u);
}

TEST_F(HttpSessionTest, ConnectionCloseIsHonoured) {
  StartServer();
  KeepAliveClient client = Client();
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Write(Get("/healthz", "Connection: close\r\n") + Get("/healthz")));
  auto [ec, response] = client.Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.Read().first) << "a request after Connection: close was answered";
}

TEST_F(HttpSessionTest, AConnectionCarriesAtMostMaxRequests) {
  options_.max_requests_per_connection = 2;
  StartServer();
  KeepAliveClient client = Client();
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Write(Get("/healthz") + Get("/healthz") + Get("/healthz")));
  auto [first_ec, first] = client.Read();
  ASSERT_FALSE(first_ec);
  EXPECT_TRUE(first.keep_alive());
  auto [second_ec, second] = client.Read();
  ASSERT_FALSE(second_ec);
  EXPECT_FALSE(second.keep_alive()) << "the last request's answer says Connection: close";
  EXPECT_TRUE(client.Read().first) << "a third request was answered";
}

TEST_F(HttpSessionTest, AnIdleConnectionIsClosed) {
  options_.http_idle_timeout = 1s;
  StartServer();
  KeepAliveClient client = Client();
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Write(Get("/healthz")));
  ASSERT_FALSE(client.Read().first);
  // Nothing more is sent: the server hangs up on its own, well within the client's deadline.
  error_code ec = client.Read().first;
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, asio::error::timed_out) << "the server kept an idle connection open";
}

TEST_F(HttpSessionTest, AKeptAliveConnectionStillHoldsItsPlace) {
  options_.max_connections_per_address = 1;
  options_.http_idle_timeout = 1s;
  StartServer();
  KeepAliveClient first = Client();
  ASSERT_FALSE(first.Connect(port_));
  ASSERT_FALSE(first.Write(Get("/healthz")));
  ASSERT_FALSE(first.Read().first);
  // Between requests the connection is still counted against the per-address cap.
  KeepAliveClient second = Client();
  EXPECT_TRUE(second.Connect(port_)) << "a second connection from 127.0.0.1 got in";
  // Once the idle one is closed, its place is free.
  EXPECT_TRUE(first.Read().first);
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  bool connected = false;
  while (!connected && std::chrono::steady_clock::now() < until) {
    KeepAliveClient third = Client();
    connected = !third.Connect(port_);
  }
  EXPECT_TRUE(connected);
}

}  // namespace
}  // namespace kring::net
