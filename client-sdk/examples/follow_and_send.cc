// The docs/sdk.md example: log in, follow a thread, send what is typed, print what arrives.
//
//   kring_sdk_example HOST PORT CA_FILE HANDLE NETWORK_ID THREAD_ID < password-then-lines
//
// The first line of stdin is the password; every further line is sent as a message. Messages
// of the thread are printed as they arrive, each once, across reconnects.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>

#include "kring/session.h"

namespace {

// Prints the thread's messages and the fate of each send.
class Printer final : public kring::sdk::SessionListener {
 public:
  void OnMessage(const kring::v1::Message& m) override {
    std::lock_guard lock(mu_);
    std::printf("%llu %s: %s\n", static_cast<unsigned long long>(m.seq()),
                m.sender_handle().c_str(), m.text().c_str());
    std::fflush(stdout);
  }
  // The person's consent does not include what was posted before they joined: say so.
  void OnHidden(uint64_t network_id, uint64_t thread_id, uint64_t through_seq) override {
    std::lock_guard lock(mu_);
    std::printf("(messages 1-%llu are not visible to you)\n",
                static_cast<unsigned long long>(through_seq));
    std::fflush(stdout);
  }
  // Access ended (consent withdrawn, member removed): the Session stopped following the thread.
  void OnFollowEnded(uint64_t network_id, uint64_t thread_id,
                     const kring::sdk::Error& why) override {
    std::lock_guard lock(mu_);
    std::fprintf(stderr, "no longer following thread %llu: %s\n",
                 static_cast<unsigned long long>(thread_id), why.detail.c_str());
  }
  void OnSendStateChanged(const kring::sdk::OutboxEntry& entry) override {
    if (entry.state != kring::sdk::SendState::kFailed) return;
    std::lock_guard lock(mu_);
    std::fprintf(stderr, "not sent: %s (%s)\n", entry.text.c_str(),
                 entry.error->ToString().c_str());
    any_refused_ = true;
  }
  bool any_refused() {
    std::lock_guard lock(mu_);
    return any_refused_;
  }
  void OnDisconnected(const kring::sdk::CloseInfo& why) override {
    std::lock_guard lock(mu_);
    std::fprintf(stderr, "connection lost (%u); reconnecting\n", why.code);
  }
  void OnSessionEnded(const std::string& reason) override {
    std::lock_guard lock(mu_);
    std::fprintf(stderr, "session ended: %s\n", reason.c_str());
  }

 private:
  std::mutex mu_;             // one line at a time: callbacks come from several SDK threads
  bool any_refused_ = false;  // guarded by mu_
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s HOST PORT CA_FILE HANDLE NETWORK_ID THREAD_ID\n", argv[0]);
    return 2;
  }
  kring::sdk::SessionOptions options;
  options.connect.host = argv[1];
  options.connect.port = static_cast<uint16_t>(std::atoi(argv[2]));
  options.connect.ca_file = argv[3];  // e.g. DATA_DIR/tls/cert.pem of a dev kringd
  const std::string handle = argv[4];
  const uint64_t network_id = std::strtoull(argv[5], nullptr, 10);
  const uint64_t thread_id = std::strtoull(argv[6], nullptr, 10);

  std::string password;
  if (!std::getline(std::cin, password)) return 2;

  auto printer = std::make_shared<Printer>();
  auto session = kring::sdk::Session::LogIn(options, handle, password, printer);
  if (!session.ok()) {
    std::fprintf(stderr, "login: %s\n", session.error().ToString().c_str());
    return 1;
  }
  // From the start of the thread; an app would keep cursor() and pass it next time.
  auto followed = (*session)->Follow(network_id, thread_id, /*after_seq=*/0);
  if (!followed.ok()) {
    std::fprintf(stderr, "follow: %s\n", followed.error().ToString().c_str());
    return 1;
  }
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty()) (*session)->Send(network_id, thread_id, line);
  }
  // Give queued sends a moment to reach the server before leaving.
  const bool all_answered = (*session)->WaitUntilSent(std::chrono::seconds(10));
  return all_answered && !printer->any_refused() ? 0 : 1;
}
