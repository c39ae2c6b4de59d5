// The measured part of the XMPP fanout (bench/peers/xmpp/fanout.h): senders, the echo as the ack,
// the per-member exactly-once check, and the numbers, in the FanoutResult that bench/report.h
// prints for kringd too.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/fanout.h"
#include "bench/load_driver.h"
#include "bench/peers/xmpp/fanout.h"
#include "bench/peers/xmpp/peer.h"

namespace kring::bench {

// The body: 16 hex digits of send time, a space, 16 hex digits of the sender's message number
// (1, 2, 3, ...), a space, then padding up to --message-bytes.
constexpr int kXmppMinBodyBytes = 34;

// "PREFIXn{network}@MUC".
std::string RoomJid(const XmppBenchOptions& options, size_t network);

class XmppScenario final : public XmppListener, public MessageSender {
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

  // Patches and sends sender `sender`'s frame (number + 1: the body counts from 1).
  void SendMessage(size_t sender, uint64_t number, int64_t stamp_ns) override;

 private:
  // One posting peer's groupchat frame, built once and patched in place per message.
  struct OutgoingFrame {
    XmppPeer* peer = nullptr;
    std::string frame;
    size_t id_offset = 0;
    size_t stamp_offset = 0;
    size_t number_offset = 0;
  };

  void Prepare();

  const XmppBenchOptions& options_;
  std::vector<std::unique_ptr<XmppPeer>>& peers_;
  IoThreads& io_;
  Failure& failure_;
  const int members_;
  const int senders_per_room_;
  LoadDriver driver_;
  // Room n's senders at n * K .. n * K + K - 1, the same index in driver_.
  std::vector<OutgoingFrame> frames_;
  // By peer p and sender j: the last message number p received from member j of its room
  // (touched by p's io thread only).
  std::vector<uint64_t> received_;
  bool drained_ = false;
};

}  // namespace kring::bench
