// Attachments (issue 15, item 2; actions.h): attachment_actions.cc. The files come and go over
// kringd's HTTPS endpoints (server/net/attachment_http.cc), which send these requests through a
// service connection of their own, so that each upload and download is authorized and recorded
// like every other request.
#pragma once

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

// Most attachments one message may name.
inline constexpr int kMaxAttachmentsPerMessage = 10;

// Before an upload's body is read (the HTTPS endpoint asks when the header arrives): the sender
// may post in the thread now, the name is valid, and the declared size fits the limit and the
// network's quota. Answers the most bytes the body may have.
Status AttachmentBegin(RequestContext& ctx, const v1::AttachmentBeginRequest& req);
// Makes a received upload (AttachmentArea::Stage) an attachment of its thread: authorized as
// posting there, within the network's quota; durable (file and record) before the answer.
Status AttachmentStore(RequestContext& ctx, const v1::AttachmentStoreRequest& req);
// The descriptor of an attachment, for a download: authorized as reading its thread now.
Status AttachmentOpen(RequestContext& ctx, const v1::AttachmentOpenRequest& req);

// For PostMessage, on the writer: the descriptors of `ids`, each uploaded by `sender` to this
// network and thread (INVALID_ARGUMENT for one that is not, NOT_FOUND for an unknown id).
StatusOr<std::vector<v1::Attachment>> AttachmentsForMessage(
    const storage::ReadView& view, const google::protobuf::RepeatedField<uint64_t>& ids,
    uint64_t network_id, uint64_t thread_id, uint64_t sender);

}  // namespace kring::service
