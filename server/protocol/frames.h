// The bytes of the ServerFrames kringd sends: one builder per event, the message fan-out and
// batch encodings that skip re-parsing, and the typed error of a Status. Plain protobuf, no I/O:
// both the service (answers, events) and the transport (batching) use it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"

namespace kring {

// One encoded kring.v1.ServerFrame, shared by every connection it goes to.
using Frame = std::shared_ptr<const std::string>;

// ServerFrame{event{message_posted{message}}} around an already serialized v1.Message, without
// parsing it: the same bytes go to every subscriber and to backlog reads.
Frame MessagePostedFrame(std::string_view message_bytes);

// One builder per other event (kring.proto's Event): ServerFrame{event{...}}.
// `member` and `invitation` may be null (the invitation is for INVITED and DECLINED).
Frame MembershipChangedFrame(uint64_t network_id, v1::MembershipChange change,
                             const v1::Member* member, const v1::Invitation* invitation);
// `thread_ids` empty: the whole network.
Frame AccessEndedFrame(uint64_t network_id, const std::vector<uint64_t>& thread_ids,
                       std::string reason);
// Corrections and retractions (issue 15, item 3): the message as it is now.
Frame MessageChangedFrame(const v1::Message& message);
Frame ReadMarkerUpdatedFrame(uint64_t network_id, const v1::ReadMarker& marker);
Frame ThreadCreatedFrame(const v1::Thread& thread);
Frame ThreadChangedFrame(const v1::Thread& thread);
Frame InvitationReceivedFrame(const v1::Invitation& invitation);
Frame SessionEndedFrame(std::string reason);
Frame ConsentChangedFrame(const v1::Consent& consent);
Frame TeamChangedFrame(const v1::TeamChanged& changed);
// Pending networks and appointments (issue 14, items 4 and 5).
Frame NetworkRequestedFrame(const v1::Network& network);
Frame NetworkAnsweredFrame(const v1::Network& network);
Frame RepresentationChangedFrame(const v1::Representation& representation,
                                 v1::RepresentationChange change);

// The shared plan (issue 15, item 1).
Frame PlanChangedFrame(const v1::PlanChange& change, uint32_t version);
Frame PlanAccessEndedFrame(uint64_t network_id, std::string reason);

// ServerFrame{batch{frames...}} around already serialized ServerFrames, without parsing them:
// appends the frames' bytes (each a complete ServerFrame, none itself a batch) to `out`,
// which it clears first. The caller keeps the result under the peer's message size limit.
void BatchFrames(const std::vector<std::string_view>& frames, std::string& out);

// The typed error (kring.v1.Error) that carries `status` to the app.
v1::Error ErrorProto(const Status& status);

}  // namespace kring
