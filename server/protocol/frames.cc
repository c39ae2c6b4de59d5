#include "server/protocol/frames.h"

#include <memory>
#include <utility>

namespace kring {

namespace {

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Tag of a length-delimited field (wire type 2).
void AppendLenTag(std::string& out, int field, uint64_t len) {
  AppendVarint(out, (static_cast<uint64_t>(field) << 3) | 2);
  AppendVarint(out, len);
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

Frame EventFrame(const v1::Event& event) {
  v1::ServerFrame frame;
  *frame.mutable_event() = event;
  return std::make_shared<const std::string>(frame.SerializeAsString());
}

}  // namespace

Frame MembershipChangedFrame(uint64_t network_id, v1::MembershipChange change,
                             const v1::Member* member, const v1::Invitation* invitation) {
  v1::Event event;
  auto* changed = event.mutable_membership_changed();
  changed->set_network_id(network_id);
  changed->set_change(change);
  if (member) *changed->mutable_member() = *member;
  if (invitation) *changed->mutable_invitation() = *invitation;
  return EventFrame(event);
}

Frame AccessEndedFrame(uint64_t network_id, const std::vector<uint64_t>& thread_ids,
                       std::string reason) {
  v1::Event event;
  auto* ended = event.mutable_access_ended();
  ended->set_network_id(network_id);
  for (uint64_t thread : thread_ids) ended->add_thread_ids(thread);
  ended->set_reason(std::move(reason));
  return EventFrame(event);
}

Frame ReadMarkerUpdatedFrame(uint64_t network_id, const v1::ReadMarker& marker) {
  v1::Event event;
  event.mutable_read_marker_updated()->set_network_id(network_id);
  *event.mutable_read_marker_updated()->mutable_marker() = marker;
  return EventFrame(event);
}

Frame MessageChangedFrame(const v1::Message& message) {
  v1::Event event;
  *event.mutable_message_changed()->mutable_message() = message;
  return EventFrame(event);
}

Frame ThreadCreatedFrame(const v1::Thread& thread) {
  v1::Event event;
  *event.mutable_thread_created()->mutable_thread() = thread;
  return EventFrame(event);
}

Frame ThreadChangedFrame(const v1::Thread& thread) {
  v1::Event event;
  *event.mutable_thread_changed()->mutable_thread() = thread;
  return EventFrame(event);
}

Frame InvitationReceivedFrame(const v1::Invitation& invitation) {
  v1::Event event;
  *event.mutable_invitation_received()->mutable_invitation() = invitation;
  return EventFrame(event);
}

Frame SessionEndedFrame(std::string reason) {
  v1::Event event;
  event.mutable_session_ended()->set_reason(std::move(reason));
  return EventFrame(event);
}

Frame ConsentChangedFrame(const v1::Consent& consent) {
  v1::Event event;
  *event.mutable_consent_changed()->mutable_consent() = consent;
  return EventFrame(event);
}

Frame PlanChangedFrame(const v1::PlanChange& change, uint32_t version) {
  v1::Event event;
  auto* changed = event.mutable_plan_changed();
  *changed->mutable_change() = change;
  changed->set_version(version);
  return EventFrame(event);
}

Frame PlanAccessEndedFrame(uint64_t network_id, std::string reason) {
  v1::Event event;
  auto* ended = event.mutable_plan_access_ended();
  ended->set_network_id(network_id);
  ended->set_reason(std::move(reason));
  return EventFrame(event);
}

Frame TeamChangedFrame(const v1::TeamChanged& changed) {
  v1::Event event;
  *event.mutable_team_changed() = changed;
  return EventFrame(event);
}

Frame NetworkRequestedFrame(const v1::Network& network) {
  v1::Event event;
  *event.mutable_network_requested()->mutable_network() = network;
  return EventFrame(event);
}

Frame NetworkAnsweredFrame(const v1::Network& network) {
  v1::Event event;
  *event.mutable_network_answered()->mutable_network() = network;
  return EventFrame(event);
}

Frame RepresentationChangedFrame(const v1::Representation& representation,
                                 v1::RepresentationChange change) {
  v1::Event event;
  *event.mutable_representation_changed()->mutable_representation() = representation;
  event.mutable_representation_changed()->set_change(change);
  return EventFrame(event);
}

Frame MessagePostedFrame(std::string_view message_bytes) {
  // MessagePosted.message = 1; Event.message_posted = 1; ServerFrame.event = 2.
  const uint64_t posted_len = 1 + VarintSize(message_bytes.size()) + message_bytes.size();
  const uint64_t event_len = 1 + VarintSize(posted_len) + posted_len;
  std::string out;
  out.reserve(1 + VarintSize(event_len) + event_len);
  AppendLenTag(out, v1::ServerFrame::kEventFieldNumber, event_len);
  AppendLenTag(out, v1::Event::kMessagePostedFieldNumber, posted_len);
  AppendLenTag(out, v1::MessagePosted::kMessageFieldNumber, message_bytes.size());
  out.append(message_bytes);
  return std::make_shared<const std::string>(std::move(out));
}

void BatchFrames(const std::vector<std::string_view>& frames, std::string& out) {
  // ServerFrameBatch.frames = 1; ServerFrame.batch = 3.
  uint64_t batch_len = 0;
  for (std::string_view frame : frames) batch_len += 1 + VarintSize(frame.size()) + frame.size();
  out.clear();
  out.reserve(1 + VarintSize(batch_len) + batch_len);
  AppendLenTag(out, v1::ServerFrame::kBatchFieldNumber, batch_len);
  for (std::string_view frame : frames) {
    AppendLenTag(out, v1::ServerFrameBatch::kFramesFieldNumber, frame.size());
    out.append(frame);
  }
}

v1::Error ErrorProto(const Status& status) {
  v1::Error error;
  error.set_code(static_cast<v1::Error::Code>(status.code()));
  error.set_detail(status.detail());
  error.set_retry_after_ms(status.retry_after_ms());
  return error;
}

}  // namespace kring
