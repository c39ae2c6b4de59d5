// Corrections and retractions of messages (issue 15, item 3): who may change a message, and what
// a change makes of it. Plain functions over v1.Message; the action (correction_actions.cc)
// reads and writes the records.
#pragma once

#include <cstdint>
#include <string>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"

namespace kring {

// The message's version: 1 as posted (0, in messages stored before versions existed, reads 1).
uint32_t VersionOf(const v1::Message& message);

// Whether `actor_id` may correct or retract `message` now: only its author (PERMISSION_DENIED),
// and not once it is retracted (FAILED_PRECONDITION). Whether the author may still post in the
// thread is decided before, by Authorize (Operation::kPost).
Status CheckMessageChange(uint64_t actor_id, const v1::Message& message);

// `current` with `text` shown instead, as the next version, made at now_ms as change `change`.
v1::Message CorrectedMessage(const v1::Message& current, const std::string& text, int64_t now_ms,
                             uint64_t change);

// `current` retracted at now_ms, as the next version, change `change`: only what places the
// message is kept (thread, seq, author, reply, when posted and corrected); its text and anything
// else it said are not, so that nothing of it is shown again.
v1::Message RetractedMessage(const v1::Message& current, int64_t now_ms, uint64_t change);

}  // namespace kring
