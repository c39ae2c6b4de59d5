#include "bench/fanout.h"

#include <algorithm>
#include <bit>
#include <vector>

#include "bench/hex_stamp.h"
#include "bench/load_driver.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One posting peer's frame. Its PostMessage frame is serialized once and patched in place per
// message: the request id (a 6-byte varint: every id from 2^35 on has that length),
// client_msg_id and the timestamp at the start of the text have fixed widths.
struct PostFrame {
  Peer* peer = nullptr;
  std::string frame;
  size_t msg_id_offset = 0;
  size_t stamp_offset = 0;
  uint64_t max_seq = 0;
  std::vector<int64_t> sent_at;  // ring by request number, size a power of two
};

class Fanout final : public HotListener, public MessageSender {
 public:
  Fanout(const FanoutOptions& options, World& world, IoThreads& io, Failure& failure)
      : options_(options),
        world_(world),
        io_(io),
        failure_(failure),
        driver_(options, io, failure, *this),
        received_(world.peers.size(), 0),
        sender_of_(world.peers.size(), -1) {}

  FanoutResult Run() {
    FanoutResult result;
    Prepare();
    if (failure_.failed()) return Abort(result);
    const bool drained = driver_.Measure(world_.members, &result);
    CloseWorld(world_, io_, Clock::now() + std::chrono::seconds(10));
    io_.Stop();  // from here on every thread's state is ours to read
    Collect(&result);
    if (!drained && result.problem.empty()) {
      result.problem = "not drained within " + std::to_string(options_.drain_deadline.count()) +
                       " s: " + std::to_string(result.acked) + " of " +
                       std::to_string(result.sent) + " acknowledged, " +
                       std::to_string(result.deliveries) + " of " +
                       std::to_string(result.expected_deliveries) + " deliveries";
    }
    return result;
  }

  void OnMessagePosted(Peer& peer, const wire::HotFrame& frame) override {
    const int64_t now = NowNs();
    const size_t p = peer.index();
    uint64_t stamp;
    std::optional<int64_t> sent_ns;
    if (frame.thread_id != world_.network_of(p).thread_id || frame.seq != received_[p] + 1 ||
        !ReadHex16(frame.text, &stamp)) {
      driver_.Error(peer.thread(), "peer " + std::to_string(p) + ": MessagePosted thread " +
                                       std::to_string(frame.thread_id) + " seq " +
                                       std::to_string(frame.seq) + " after seq " +
                                       std::to_string(received_[p]) + " (a gap or a duplicate)");
    } else {
      sent_ns = static_cast<int64_t>(stamp);
    }
    received_[p] = std::max(received_[p], frame.seq);
    driver_.Delivered(peer.thread(), now, sent_ns);
  }

  void OnResponse(Peer& peer, const wire::HotFrame& frame) override {
    const int64_t now = NowNs();
    const int index = sender_of_[peer.index()];
    if (index < 0) {
      return driver_.Error(peer.thread(), "a PostMessage answer on a peer that never posted");
    }
    PostFrame& f = frames_[index];
    const uint64_t number = frame.request_id - Peer::kHotRequestIdBase;
    if (frame.has_error || !frame.has_post_result || number >= driver_.sender(index).sent) {
      return driver_.Error(peer.thread(), "peer " + std::to_string(peer.index()) +
                                              ": PostMessage " + std::to_string(number) +
                                              " failed or was never sent");
    }
    f.max_seq = std::max(f.max_seq, frame.post_seq);
    driver_.Acked(index, now, f.sent_at[number & (f.sent_at.size() - 1)]);
  }

  // Request id = kHotRequestIdBase + number.
  void SendMessage(size_t sender, uint64_t number, int64_t stamp_ns) override {
    PostFrame& f = frames_[sender];
    const uint64_t id = Peer::kHotRequestIdBase + number;
    char* frame = f.frame.data();
    // ClientFrame.request_id (field 1, varint) is the frame's first field: tag byte, then 6.
    uint64_t v = id;
    for (int i = 1; i <= 6; ++i, v >>= 7) {
      frame[i] = static_cast<char>((v & 0x7f) | (i < 6 ? 0x80 : 0));
    }
    WriteHex16(frame + f.msg_id_offset, number);
    WriteHex16(frame + f.stamp_offset, static_cast<uint64_t>(stamp_ns));
    f.sent_at[number & (f.sent_at.size() - 1)] = stamp_ns;
    f.peer->SendRaw(f.frame);
  }

 private:
  // Builds the senders' frames and hands every peer to this listener, each on its own thread.
  void Prepare() {
    const int m = world_.members;
    const int k = std::clamp(options_.senders_per_network, 1, m);
    const uint64_t ring = std::bit_ceil(driver_.MaxOutstanding());
    for (size_t n = 0; n < world_.networks.size(); ++n) {
      for (int j = 0; j < k; ++j) {
        const size_t p = n * m + j;
        PostFrame f;
        f.peer = world_.peers[p].get();
        sender_of_[p] = static_cast<int>(driver_.AddSender(f.peer->thread()));
        const NetworkInfo& info = world_.network_of(p);
        v1::ClientFrame c;
        c.set_request_id(Peer::kHotRequestIdBase);
        auto* post = c.mutable_post_message();
        post->set_network_id(info.network_id);
        post->set_thread_id(info.thread_id);
        post->set_client_msg_id(std::string(16, 'I'));
        std::string text(kHexDigits, 'T');
        text.push_back(' ');
        text.resize(std::max<size_t>(options_.message_bytes, text.size()), 'x');
        post->set_text(text);
        f.frame = c.SerializeAsString();
        f.msg_id_offset = f.frame.find(std::string(16, 'I'));
        f.stamp_offset = f.frame.find(std::string(kHexDigits, 'T'));
        f.sent_at.assign(ring, 0);
        frames_.push_back(std::move(f));
      }
    }
    OnEveryThread(io_, [this](int t) {
      for (auto& peer : world_.peers) {
        if (peer->thread() == t) peer->set_listener(this);
      }
    });
  }

  void Collect(FanoutResult* r) {
    const LoadErrors errors = driver_.Collect(world_.members, r);

    // Each network's thread must hold exactly its acknowledged messages, seqs 1..acked, and
    // every member must have received all of them.
    std::vector<uint64_t> acked_in(world_.networks.size(), 0), max_seq(world_.networks.size(), 0);
    for (size_t i = 0; i < frames_.size(); ++i) {
      const size_t n = frames_[i].peer->index() / world_.members;
      acked_in[n] += driver_.sender(i).acked;
      max_seq[n] = std::max(max_seq[n], frames_[i].max_seq);
    }
    std::string problem;
    for (size_t n = 0; n < acked_in.size() && problem.empty(); ++n) {
      if (max_seq[n] != acked_in[n]) {
        problem = "network " + std::to_string(n) + ": " + std::to_string(acked_in[n]) +
                  " messages acknowledged but the highest seq is " + std::to_string(max_seq[n]);
      }
    }
    for (size_t p = 0; p < received_.size() && problem.empty(); ++p) {
      const uint64_t want = acked_in[p / world_.members];
      if (received_[p] != want) {
        problem = "peer " + std::to_string(p) + " received through seq " +
                  std::to_string(received_[p]) + " of " + std::to_string(want) + " (missing)";
      }
    }
    if (errors.count > 0) {
      problem = std::to_string(errors.count) +
                " delivery or acknowledgement errors; the first: " + errors.first;
    } else if (problem.empty() && r->deliveries != r->expected_deliveries) {
      problem = std::to_string(r->deliveries) + " deliveries, expected " +
                std::to_string(r->expected_deliveries) + " (acks × members)";
    } else if (problem.empty() && r->acked == 0) {
      problem = "no message was acknowledged";
    }
    if (failure_.failed()) problem = failure_.what();
    r->problem = problem;
  }

  FanoutResult Abort(FanoutResult& r) {
    CloseWorld(world_, io_, Clock::now() + std::chrono::seconds(5));
    io_.Stop();
    r.problem = failure_.what();
    return r;
  }

  const FanoutOptions& options_;
  World& world_;
  IoThreads& io_;
  Failure& failure_;
  LoadDriver driver_;
  std::vector<PostFrame> frames_;   // by sender index in driver_
  std::vector<uint64_t> received_;  // by peer: the highest seq it received (its thread only)
  std::vector<int> sender_of_;      // by peer: index into frames_, or -1
};

}  // namespace

FanoutResult RunFanout(const FanoutOptions& options, World& world, IoThreads& io,
                       Failure& failure) {
  Fanout fanout(options, world, io, failure);
  return fanout.Run();
}

}  // namespace kring::bench
