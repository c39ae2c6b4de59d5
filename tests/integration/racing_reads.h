// Reads racing a cut (docs/protocol.md, guarantee 7): a connection pipelines FetchHistory and
// Subscribe frames while another request ends its access; afterwards nothing that was answered
// after its AccessEnded may carry messages or a subscription.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client-sdk/src/frame_channel.h"

namespace kring::integration {

struct RaceOutcome {
  uint64_t answered = 0;  // responses to the pipelined reads
  bool ended = false;     // AccessEnded for the network arrived
  // What was disclosed after AccessEnded ("FetchHistory 123", "Subscribe OK 124", ...).
  std::vector<std::string> after_end;
};

// Sends `reads` reads of `thread_id` on `raw` (request ids from *next_id on, which it advances)
// from another thread and runs `cut` once a quarter of them are sent; then reads until every
// read is answered and AccessEnded came, or kWait passed.
RaceOutcome PipelineReadsAcross(sdk::FrameChannel& raw, uint64_t network_id, uint64_t thread_id,
                                uint64_t reads, uint64_t* next_id,
                                const std::function<void()>& cut);

}  // namespace kring::integration
