#include "bench/peers/xmpp/scenario.h"

#include <algorithm>

#include "bench/peer.h"

namespace kring::bench {
std::string RoomJid(const XmppBenchOptions& o, size_t network) {
  return o.prefix + "n" + std::to_string(network) + "@" + o.muc;
}

XmppScenario::XmppScenario(const XmppBenchOptions& options,
                           std::vector<std::unique_ptr<XmppPeer>>& peers, IoThreads& io,
                           Failure& failure)
    : options_(options),
      peers_(peers),
      io_(io),
      failure_(failure),
      members_(options.members),
      senders_per_room_(std::clamp(options.fanout.senders_per_network, 1, options.members)),
      driver_(options.fanout, io, failure, *this),
      received_(peers.size() * senders_per_room_, 0) {}

FanoutResult XmppScenario::Run() {
  FanoutResult result;
  Prepare();
  drained_ = driver_.Measure(members_, &result);
  return result;
}

void XmppScenario::OnGroupchat(XmppPeer& peer, const xmpp::Stanza& message) {
  const int64_t now = NowNs();
  const int thread = peer.thread();
  const size_t p = peer.index();
  const int from = xmpp::MemberOfOccupant(message.from);
  uint64_t stamp = 0, number = 0;
  if (from < 0 || from >= senders_per_room_ || !ReadHex16(message.body, &stamp) ||
      !ReadHex16(message.body.substr(std::min(message.body.size(), kHexDigits + 1)), &number)) {
    return driver_.Error(thread, "peer " + std::to_string(p) +
                                     ": a groupchat message not ours from " +
                                     std::string(message.from));
  }
  uint64_t& last = received_[p * senders_per_room_ + from];
  std::optional<int64_t> sent_ns;
  if (number != last + 1) {
    driver_.Error(thread, "peer " + std::to_string(p) + ": message " + std::to_string(number) +
                              " of member " + std::to_string(from) + " after " +
                              std::to_string(last) + " (a gap or a duplicate)");
  } else if (message.stanza_id.empty()) {
    driver_.Error(thread, "peer " + std::to_string(p) + ": message " + std::to_string(number) +
                              " delivered without a stanza-id (not archived)");
  } else {
    sent_ns = static_cast<int64_t>(stamp);
  }
  last = std::max(last, number);
  driver_.Delivered(thread, now, sent_ns);
  if (static_cast<size_t>(from) != p % members_) return;

  // The sender's own echo: the ack.
  driver_.Acked(p / members_ * senders_per_room_ + from, now, static_cast<int64_t>(stamp));
}

void XmppScenario::Prepare() {
  const size_t rooms = peers_.size() / members_;
  std::string body(kHexDigits, 'T');
  body += ' ';
  body += std::string(kHexDigits, 'N');
  body += ' ';
  body.resize(std::max<size_t>(options_.fanout.message_bytes, body.size()), 'x');
  for (size_t n = 0; n < rooms; ++n) {
    for (int j = 0; j < senders_per_room_; ++j) {
      OutgoingFrame f;
      f.peer = peers_[n * members_ + j].get();
      f.frame = xmpp::GroupchatFrame(RoomJid(options_, n), std::string(kHexDigits, 'I'), body);
      f.id_offset = f.frame.find(std::string(kHexDigits, 'I'));
      f.stamp_offset = f.frame.find(std::string(kHexDigits, 'T'));
      f.number_offset = f.frame.find(std::string(kHexDigits, 'N'));
      driver_.AddSender(f.peer->thread());
      frames_.push_back(std::move(f));
    }
  }
  OnEveryThread(io_, [this](int t) {
    for (auto& peer : peers_) {
      if (peer->thread() == t) peer->set_listener(this);
    }
  });
}

void XmppScenario::SendMessage(size_t sender, uint64_t number, int64_t stamp_ns) {
  OutgoingFrame& f = frames_[sender];
  char* frame = f.frame.data();
  WriteHex16(frame + f.id_offset, number + 1);
  WriteHex16(frame + f.number_offset, number + 1);
  WriteHex16(frame + f.stamp_offset, static_cast<uint64_t>(stamp_ns));
  f.peer->SendRaw(f.frame);
}

void XmppScenario::Collect(FanoutResult* r) {
  const LoadErrors errors = driver_.Collect(members_, r);

  // Every member must have received exactly the messages each sender of its room got back.
  std::string problem;
  for (size_t p = 0; p < peers_.size() && problem.empty(); ++p) {
    for (int j = 0; j < senders_per_room_ && problem.empty(); ++j) {
      const uint64_t want = driver_.sender(p / members_ * senders_per_room_ + j).acked;
      const uint64_t got = received_[p * senders_per_room_ + j];
      if (got != want) {
        problem = "peer " + std::to_string(p) + " received through message " + std::to_string(got) +
                  " of member " + std::to_string(j) + ", which had " + std::to_string(want) +
                  " echoed";
      }
    }
  }
  if (errors.count > 0) {
    problem = std::to_string(errors.count) + " delivery errors; the first: " + errors.first;
  } else if (!drained_ && problem.empty()) {
    problem = "not drained within " + std::to_string(options_.fanout.drain_deadline.count()) +
              " s: " + std::to_string(r->acked) + " of " + std::to_string(r->sent) + " echoed";
  } else if (problem.empty() && r->deliveries != r->expected_deliveries) {
    problem = std::to_string(r->deliveries) + " deliveries, expected " +
              std::to_string(r->expected_deliveries) + " (echoes × members)";
  } else if (problem.empty() && r->acked == 0) {
    problem = "no message was echoed";
  }
  if (failure_.failed()) problem = failure_.what();
  r->problem = problem;
}

std::string XmppScenario::CheckArchive(const std::vector<int64_t>& archived) const {
  if (archived.size() * members_ != peers_.size()) return "the archive was not counted";
  for (size_t n = 0; n < archived.size(); ++n) {
    uint64_t sent = 0;
    for (int j = 0; j < senders_per_room_; ++j)
      sent += driver_.sender(n * senders_per_room_ + j).sent;
    if (archived[n] < 0) return "room " + RoomJid(options_, n) + ": no MAM count";
    if (static_cast<uint64_t>(archived[n]) != sent) {
      return "room " + RoomJid(options_, n) + ": " + std::to_string(archived[n]) +
             " messages archived, " + std::to_string(sent) + " sent";
    }
  }
  return "";
}

}  // namespace kring::bench
