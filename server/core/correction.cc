#include "server/core/correction.h"

namespace kring {

uint32_t VersionOf(const v1::Message& message) {
  return message.version() == 0 ? 1 : message.version();
}

Status CheckMessageChange(uint64_t actor_id, const v1::Message& message) {
  if (message.sender_id() != actor_id) {
    return PermissionDenied("only the author of a message may correct or retract it");
  }
  if (message.retracted()) {
    return FailedPrecondition("the message was retracted by its author; it cannot be changed");
  }
  return Status::Ok();
}

v1::Message CorrectedMessage(const v1::Message& current, const std::string& text, int64_t now_ms,
                             uint64_t change) {
  v1::Message next = current;
  next.set_text(text);
  next.set_version(VersionOf(current) + 1);
  next.set_corrected_at_ms(now_ms);
  next.set_change(change);
  return next;
}

v1::Message RetractedMessage(const v1::Message& current, int64_t now_ms, uint64_t change) {
  // Built up from nothing rather than cleared, so that fields added to Message later (an
  // attachment, say) are not kept by accident.
  v1::Message next;
  next.set_network_id(current.network_id());
  next.set_thread_id(current.thread_id());
  next.set_seq(current.seq());
  next.set_sender_id(current.sender_id());
  next.set_sender_handle(current.sender_handle());
  next.set_client_msg_id(current.client_msg_id());
  next.set_reply_to_seq(current.reply_to_seq());
  next.set_posted_at_ms(current.posted_at_ms());
  next.set_version(VersionOf(current) + 1);
  next.set_corrected_at_ms(current.corrected_at_ms());
  next.set_retracted(true);
  next.set_retracted_at_ms(now_ms);
  next.set_change(change);
  return next;
}

}  // namespace kring
