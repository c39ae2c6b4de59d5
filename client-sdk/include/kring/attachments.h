// Attachments (issue 15, item 2): files go over HTTPS on the server's one port, not over the
// WebSocket, authorized by a session token (the one Login returned). docs/protocol.md,
// "Attachments", describes the endpoints.
//
//   auto a = kring::sdk::UploadAttachment(options, token, network_id, thread_id, "cv.pdf", bytes);
//   conn->PostMessage(network_id, thread_id, id, "my CV", 0, {a->id()});
//
// Each call is one blocking HTTPS request on a connection of its own; thread-safe.
// UploadAttachmentFile streams a file from disk and sends it only once the server has said yes
// (Expect: 100-continue); UploadAttachment sends bytes held in memory at once.
#pragma once

#include <cstdint>
#include <string>

#include "kring/connection.h"
#include "kring/result.h"
#include "kring/v1/kring.pb.h"

namespace kring::sdk {

// Uploads `content` as `name` to a thread: the attachment's descriptor, to name in a message
// (PostMessageRequest.attachment_ids). Server errors as for PostMessage, plus INVALID_ARGUMENT
// for a type the server does not take and RESOURCE_EXHAUSTED for a file over its size limit or a
// network over its quota.
Result<v1::Attachment> UploadAttachment(const ConnectOptions& options, const std::string& token,
                                        uint64_t network_id, uint64_t thread_id,
                                        const std::string& name, const std::string& content);

// As UploadAttachment, for the file at `path`, streamed from disk (never whole in memory). The
// server checks the session, the permission to post, the name, the size and the quota before the
// file is sent: a refused upload costs no upload time. INVALID_ARGUMENT when `path` cannot be
// read.
Result<v1::Attachment> UploadAttachmentFile(const ConnectOptions& options, const std::string& token,
                                            uint64_t network_id, uint64_t thread_id,
                                            const std::string& name, const std::string& path);

// Downloads an attachment (or its thumbnail): its bytes. PERMISSION_DENIED for someone who may
// not read its thread now, NOT_FOUND for an id that is not an attachment of that network.
Result<std::string> DownloadAttachment(const ConnectOptions& options, const std::string& token,
                                       uint64_t network_id, uint64_t attachment_id,
                                       bool thumbnail = false);

}  // namespace kring::sdk
