// Attachments: storing an upload, opening one for a download, naming them in a message.
#include "server/service/attachment_actions.h"

#include <algorithm>

#include "server/core/text.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr size_t kMaxNameBytes = 255;

Status ValidateName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || !IsValidUtf8(name)) {
    return InvalidArgument("an attachment's name is valid UTF-8 of 1 to 255 bytes");
  }
  if (name.find('/') != std::string_view::npos || name.find('\\') != std::string_view::npos ||
      name == "." || name == "..") {
    return InvalidArgument("an attachment's name has no '/' or '\\\\' and is not . or ..");
  }
  return CheckNameCharacters(name, "the attachment's name");
}

// On the writer, for AttachmentStore: the checks, then the file moved into place, then the
// record. `file` is fsynced (and has its thumbnail) already.
Status StoreOnWriter(RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out,
                     const v1::AttachmentStoreRequest& req, storage::IncomingFile& upload) {
  storage::IncomingFile* file = &upload;
  ServiceImpl& service = ctx.service();
  KRING_ASSIGN_OR_RETURN(Permitted permitted, ctx.Permit(txn, req.network_id(), Operation::kPost,
                                                         ThreadRef{req.thread_id()}, &ctx.audit(),
                                                         &service.access_cache));
  KRING_RETURN_IF_ERROR(ValidateName(req.name()));
  KRING_ASSIGN_OR_RETURN(uint64_t usage, records::AttachmentUsage(txn, req.network_id()));
  const uint64_t adds = file->size() + file->thumbnail_size();
  const uint64_t quota = service.options.attachments->limits().network_quota_bytes;
  if (usage + adds > quota) {
    return ResourceExhausted("the network's attachments would exceed its quota of " +
                             std::to_string(quota) + " bytes (" + std::to_string(usage) + " used)");
  }
  KRING_ASSIGN_OR_RETURN(uint64_t id, records::AllocateId(txn));
  v1::Attachment attachment;
  attachment.set_id(id);
  attachment.set_network_id(req.network_id());
  attachment.set_thread_id(req.thread_id());
  attachment.set_uploaded_by(permitted.actor.account_id);
  attachment.set_name(req.name());
  attachment.set_content_type(std::string(file->content_type()));
  attachment.set_size(file->size());
  attachment.set_sha256(file->sha256_hex());
  attachment.set_has_thumbnail(file->has_thumbnail());
  attachment.set_uploaded_at_ms(permitted.standing.now_ms);
  attachment.set_thumbnail_sha256(file->thumbnail_sha256_hex());
  attachment.set_thumbnail_size(file->thumbnail_size());
  // Last, after every check, so a refusal leaves no file: renames and one directory fsync.
  // That blocks the writer briefly; it is what makes the file durable before its record
  // (and the writer is the one place that orders it against a refusal of the same content).
  KRING_RETURN_IF_ERROR(service.options.attachments->Place(*file));
  records::AddAttachment(txn, attachment, usage);
  ctx.audit().event.set_object_id(id);
  ctx.audit().event.set_count(1);
  *out.response.mutable_attachment_store()->mutable_attachment() = attachment;
  return Status::Ok();
}

}  // namespace

Status AttachmentStore(RequestContext& ctx, const v1::AttachmentStoreRequest& req) {
  ServiceImpl& service = ctx.service();
  ctx.audit().event.set_network_id(req.network_id());
  ctx.audit().event.set_thread_id(req.thread_id());
  storage::AttachmentArea* area = service.options.attachments;
  if (area == nullptr) return FailedPrecondition("this server keeps no attachments");
  std::shared_ptr<storage::IncomingFile> file = area->Take(req.upload_id());
  if (!file) return NotFound("no such upload");
  if (file->network_id() != req.network_id() || file->thread_id() != req.thread_id()) {
    return InvalidArgument("the upload was received for another network or thread");
  }
  // fsync and the thumbnail: file work, off the io thread; then the record, on the writer. A
  // refusal drops `file` (and with it the received bytes).
  return service.file_pool.Post([self = ctx.self(), file, req] {
    ServiceImpl& service = self->service();
    storage::AttachmentArea& area = *service.options.attachments;
    if (Status prepared = area.Prepare(*file); !prepared.ok()) return self->Answer(prepared);
    self->Write(
        [file, req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
          Status stored = StoreOnWriter(ctx, txn, out, req, *file);
          // Refused: the received bytes go before the refusal is answered.
          if (!stored.ok()) file->Drop();
          return stored;
        });
  });
}

Status AttachmentBegin(RequestContext& ctx, const v1::AttachmentBeginRequest& req) {
  ctx.audit().event.set_network_id(req.network_id());
  ctx.audit().event.set_thread_id(req.thread_id());
  const storage::AttachmentArea* area = ctx.service().options.attachments;
  if (area == nullptr) return FailedPrecondition("this server keeps no attachments");
  KRING_RETURN_IF_ERROR(ValidateName(req.name()));
  const storage::AttachmentLimits limits = area->limits();
  if (req.size() > limits.max_bytes) {
    return ResourceExhausted("the file is larger than the limit of " +
                             std::to_string(limits.max_bytes) + " bytes");
  }
  // Decided in order with the writes: an upload begun after a withdrawal's response is refused.
  ctx.ReadInNetwork(
      req.network_id(), Operation::kPost, ThreadRef{req.thread_id()},
      [req, limits](const storage::ReadView& view, const Permitted&,
                    v1::AuditEvent&) -> StatusOr<v1::Response> {
        KRING_ASSIGN_OR_RETURN(uint64_t usage, records::AttachmentUsage(view, req.network_id()));
        const uint64_t left =
            usage >= limits.network_quota_bytes ? 0 : limits.network_quota_bytes - usage;
        if (req.size() > left || left == 0) {
          return ResourceExhausted("the network's attachments would exceed its quota of " +
                                   std::to_string(limits.network_quota_bytes) + " bytes (" +
                                   std::to_string(usage) + " used)");
        }
        v1::Response response;
        response.mutable_attachment_begin()->set_max_bytes(std::min(limits.max_bytes, left));
        return response;
      });
  return Status::Ok();
}

Status AttachmentOpen(RequestContext& ctx, const v1::AttachmentOpenRequest& req) {
  ctx.audit().event.set_object_id(req.attachment_id());
  KRING_ASSIGN_OR_RETURN(std::optional<v1::Attachment> found,
                         records::GetAttachment(ctx.service().store, req.attachment_id()));
  // An attachment of another network is no attachment of this one: the same answer as none, and
  // told only to those with access to the network (others learn nothing of what exists there).
  if (!found || found->network_id() != req.network_id() ||
      (req.thumbnail() && !found->has_thumbnail())) {
    ctx.ReadInNetwork(
        req.network_id(), Operation::kListThreads, {},
        [](const storage::ReadView&, const Permitted&, v1::AuditEvent&) -> StatusOr<v1::Response> {
          return NotFound("no such attachment in this network");
        });
    return Status::Ok();
  }
  ctx.ReadInNetwork(
      req.network_id(), Operation::kReadHistory, ThreadRef{found->thread_id()},
      [attachment = *found](const storage::ReadView& view, const Permitted& permitted,
                            v1::AuditEvent& record) -> StatusOr<v1::Response> {
        record.set_object_id(attachment.id());
        // A file is read as the message that names it: not before it is named
        // (but by its uploader), nor from history the reader's consent hides.
        if (attachment.uploaded_by() != permitted.actor.account_id) {
          if (attachment.message_seq() == 0) {
            return NotFound("no such attachment in this network");
          }
          if (attachment.message_seq() <=
              HiddenThrough(permitted.standing, records::RefOf(permitted.thread))) {
            return PermissionDenied("the message with this file is from before what you may read");
          }
          // Retracted: the file goes with the text (corrections and retractions).
          KRING_ASSIGN_OR_RETURN(auto message, records::GetMessage(view, attachment.thread_id(),
                                                                   attachment.message_seq()));
          if (message && message->retracted()) {
            return NotFound("the author retracted the message with this file");
          }
        }
        record.set_count(1);
        v1::Response response;
        *response.mutable_attachment_open()->mutable_attachment() = attachment;
        return response;
      });
  return Status::Ok();
}

StatusOr<std::vector<v1::Attachment>> AttachmentsForMessage(
    const storage::ReadView& view, const google::protobuf::RepeatedField<uint64_t>& ids,
    uint64_t network_id, uint64_t thread_id, uint64_t sender) {
  if (ids.size() > kMaxAttachmentsPerMessage) {
    return InvalidArgument("a message names at most " + std::to_string(kMaxAttachmentsPerMessage) +
                           " attachments");
  }
  std::vector<v1::Attachment> out;
  for (uint64_t id : ids) {
    if (std::count(ids.begin(), ids.end(), id) > 1) {
      return InvalidArgument("attachment " + std::to_string(id) + " is named twice");
    }
    KRING_ASSIGN_OR_RETURN(std::optional<v1::Attachment> found, records::GetAttachment(view, id));
    if (!found || found->network_id() != network_id) {
      return NotFound("no attachment " + std::to_string(id) + " in this network");
    }
    if (found->thread_id() != thread_id || found->uploaded_by() != sender) {
      return InvalidArgument("attachment " + std::to_string(id) +
                             " was not uploaded by the sender to this thread");
    }
    out.push_back(std::move(*found));
  }
  return out;
}

}  // namespace kring::service
