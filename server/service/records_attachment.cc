// Attachments' records (records.h): kAttachments and kAttachmentUsage.
#include "server/service/records.h"
#include "server/service/records_internal.h"

namespace kring::service::records {

StatusOr<std::optional<v1::Attachment>> GetAttachment(const ReadView& view,
                                                      uint64_t attachment_id) {
  return GetProto<v1::Attachment>(view, Table::kAttachments, U64(attachment_id));
}

void AddAttachment(Transaction& txn, const v1::Attachment& attachment, uint64_t usage_before) {
  PutProto(txn, Table::kAttachments, U64(attachment.id()), attachment);
  txn.Put(Table::kAttachmentUsage, U64(attachment.network_id()),
          U64(usage_before + attachment.size() + attachment.thumbnail_size()));
}

void UpdateAttachment(Transaction& txn, const v1::Attachment& attachment) {
  PutProto(txn, Table::kAttachments, U64(attachment.id()), attachment);
}

StatusOr<uint64_t> AttachmentUsage(const ReadView& view, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(std::optional<uint64_t> bytes,
                         GetU64(view, Table::kAttachmentUsage, U64(network_id)));
  return bytes.value_or(0);
}

}  // namespace kring::service::records
