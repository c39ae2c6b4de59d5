#include "tests/integration/racing_reads.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "tests/integration/world.h"

namespace kring::integration {

RaceOutcome PipelineReadsAcross(sdk::FrameChannel& raw, uint64_t network_id, uint64_t thread_id,
                                uint64_t reads, uint64_t* next_id,
                                const std::function<void()>& cut) {
  const uint64_t first_id = *next_id;
  *next_id += reads;
  std::atomic<uint64_t> sent{0};
  std::thread pipelining([&] {
    for (uint64_t i = 0; i < reads; ++i) {
      v1::ClientFrame f;
      f.set_request_id(first_id + i);
      if (i % 4 == 3) {
        f.mutable_subscribe()->set_network_id(network_id);
        f.mutable_subscribe()->add_threads()->set_thread_id(thread_id);
      } else {
        f.mutable_fetch_history()->set_network_id(network_id);
        f.mutable_fetch_history()->set_thread_id(thread_id);
      }
      raw.Send(f);
      sent = i + 1;
    }
  });
  // Cut while the reads are on their way.
  while (sent.load() < reads / 4) std::this_thread::yield();
  cut();
  pipelining.join();

  RaceOutcome out;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  // Until every read is answered and AccessEnded came (it may follow the last answer).
  while ((out.answered < reads || !out.ended) && std::chrono::steady_clock::now() < deadline) {
    std::optional<v1::ServerFrame> f =
        raw.NextServerFrame(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
    if (!f) break;
    if (f->has_event()) {
      if (f->event().has_access_ended() && f->event().access_ended().network_id() == network_id) {
        out.ended = true;
      } else if (out.ended && f->event().has_message_posted()) {
        out.after_end.push_back("MessagePosted");
      }
      continue;
    }
    if (!f->has_response() || f->response().request_id() < first_id) continue;
    ++out.answered;
    const v1::Response& r = f->response();
    if (!out.ended) continue;
    if (r.fetch_history().messages_size() > 0) {
      out.after_end.push_back("FetchHistory " + std::to_string(r.request_id()));
    }
    for (const auto& t : r.subscribe().threads()) {
      if (!t.has_error()) out.after_end.push_back("Subscribe OK " + std::to_string(r.request_id()));
    }
  }
  return out;
}

}  // namespace kring::integration
