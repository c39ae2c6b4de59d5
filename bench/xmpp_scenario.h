// The measured part of the XMPP fanout (bench/xmpp_fanout.h): senders, the echo as the ack,
// the per-member exactly-once check, and the numbers, in the FanoutResult that bench/report.h
// prints for kringd too.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/fanout.h"
#include "bench/histogram.h"
#include "bench/xmpp_fanout.h"
#include "bench/xmpp_peer.h"

namespace kring::bench {

// The body: 16 hex digits of send time, a space, 16 hex digits of the sender's message number
// (1, 2, 3, ...), a space, then padding up to --message-bytes.
constexpr int kXmppMinBodyBytes = 34;

// "PREFIXn{network}@MUC".
std::string RoomJid(const XmppBenchOptions& options, size_t network);

class XmppScenario final : public XmppListener {
 public:
  // Peer p is member p % members of room p / members; members 0..K-1 of each room send.
  XmppScenario(const XmppBenchOptions& options, std::vector<std::unique_ptr<XmppPeer>>& peers,
               IoThreads& io, Failure& failure);

  // Sends for the duration, then waits until every sent message came back to its sender and
  // reached every member. Leaves the connections open (for the archive count). Blocks.
  FanoutResult Run();
  // Adds the counts, latencies and checks to `result`. Only after the io threads stopped.
  void Collect(FanoutResult* result);
  // "" if each room's archive count equals the messages sent to it, else the first mismatch.
  // After Collect.
  std::string CheckArchive(const std::vector<int64_t>& archived) const;

  void OnGroupchat(XmppPeer& peer, const xmpp::Stanza& message) override;

 private:
  struct alignas(64) ThreadStats {
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> acked{0};
    std::atomic<uint64_t> deliveries{0};
    std::atomic<int64_t> last_event_ns{0};
    uint64_t errors = 0;
    uint64_t missed = 0;
    std::string first_error;
    Histogram delivery_latency;
    Histogram ack_latency;
  };

  // One posting peer; its frame is built once and patched in place per message.
  struct Sender {
    XmppPeer* peer = nullptr;
    int thread = 0;
    std::string frame;
    size_t id_offset = 0;
    size_t stamp_offset = 0;
    size_t number_offset = 0;
    uint64_t sent = 0;
    uint64_t acked = 0;
    uint64_t outstanding = 0;
    double interval_ns = 0;  // open loop
    double offset_ns = 0;
    uint64_t scheduled = 0;
  };

  void Prepare();
  void Send(Sender& s, int64_t stamp_ns);
  void StartSending();
  bool Drain();
  void Error(ThreadStats& stats, std::string what);
  std::optional<ProcessUsage> Usage() const;
  void OnEveryThread(std::function<void(int)> fn);

  const XmppBenchOptions& options_;
  std::vector<std::unique_ptr<XmppPeer>>& peers_;
  IoThreads& io_;
  Failure& failure_;
  const int members_;
  const int senders_per_room_;
  std::vector<ThreadStats> stats_;  // by io thread
  std::vector<Sender> senders_;     // room n's senders at n * K .. n * K + K - 1
  // By peer p and sender j: the last message number p received from member j of its room
  // (touched by p's io thread only).
  std::vector<uint64_t> received_;
  std::atomic<bool> sending_{false};
  bool drained_ = false;
  int64_t t0_ns_ = 0;
};

}  // namespace kring::bench
