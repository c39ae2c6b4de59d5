// Building the bytes of ServerFrames the service sends.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"

namespace kring::service {

using Frame = std::shared_ptr<const std::string>;

Frame EventFrame(const v1::Event& event);

// ServerFrame{event{message_posted{message}}} around an already serialized v1.Message, without
// parsing it: the same bytes go to every subscriber and to backlog reads.
Frame MessagePostedFrame(std::string_view message_bytes);

// ServerFrame{batch{frames...}} around already serialized ServerFrames, without parsing them:
// appends the frames' bytes (each a complete ServerFrame, none itself a batch) to `out`,
// which it clears first. The caller keeps the result under the peer's message size limit.
void BatchFrames(const std::vector<std::string_view>& frames, std::string& out);

v1::Error ErrorProto(const Status& status);

// SHA-256 of `data`, as 32 raw bytes.
std::string Sha256(std::string_view data);

// URL-safe base64 without padding (RFC 4648 section 5).
std::string Base64Url(std::string_view bytes);

}  // namespace kring::service
