// Attachments (issue 15, item 2): files go over HTTPS on the server's one port, not over the
// WebSocket, authorized by a session token (the one Login returned). docs/protocol.md,
// "Attachments", describes the endpoints.
//
//   auto a = kring::sdk::UploadAttachment(options, token, network_id, thread_id, "cv.pdf", bytes);
//   conn->PostMessage(network_id, thread_id, id, "my CV", 0, {a->id()});
//
// Each call is one blocking HTTPS request on a connection of its own; thread-safe. The SDK holds
// the whole file in memory (the server streams it to disk).
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

// Downloads an attachment (or its thumbnail): its bytes. PERMISSION_DENIED for someone who may
// not read its thread now, NOT_FOUND for an id that is not an attachment of that network.
Result<std::string> DownloadAttachment(const ConnectOptions& options, const std::string& token,
                                       uint64_t network_id, uint64_t attachment_id,
                                       bool thumbnail = false);

}  // namespace kring::sdk
