#include "kring/attachments.h"

#include "client-sdk/src/frame_channel.h"

namespace kring::sdk {

namespace {

std::string PercentEncode(const std::string& s) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
  }
  return out;
}

// The server's typed error from a refused request's body (a serialized kring.v1.Response).
Error RefusalOf(const HttpReply& reply) {
  v1::Response response;
  if (response.ParseFromString(reply.body) && response.has_error()) {
    return Error::FromProto(response.error());
  }
  return Error::Transport("HTTP " + std::to_string(reply.status) + " without a kring error");
}

HttpRequestSpec UploadSpec(const std::string& token, uint64_t network_id, uint64_t thread_id,
                           const std::string& name) {
  HttpRequestSpec spec;
  spec.method = "POST";
  spec.target = "/v1/networks/" + std::to_string(network_id) + "/threads/" +
                std::to_string(thread_id) + "/attachments?name=" + PercentEncode(name);
  spec.headers = {{"Authorization", "Bearer " + token},
                  {"Content-Type", "application/octet-stream"}};
  return spec;
}

Result<v1::Attachment> AttachmentOf(const Result<HttpReply>& reply) {
  if (!reply.ok()) return reply.error();
  if (reply->status != 200) return RefusalOf(*reply);
  v1::Response response;
  if (!response.ParseFromString(reply->body) || !response.has_attachment_store()) {
    return Error::Transport("the upload's answer is not a kring.v1.Response");
  }
  return response.attachment_store().attachment();
}

}  // namespace

Result<v1::Attachment> UploadAttachment(const ConnectOptions& options, const std::string& token,
                                        uint64_t network_id, uint64_t thread_id,
                                        const std::string& name, const std::string& content) {
  HttpRequestSpec spec = UploadSpec(token, network_id, thread_id, name);
  spec.body = content;
  return AttachmentOf(HttpsRequest(options, spec));
}

Result<v1::Attachment> UploadAttachmentFile(const ConnectOptions& options, const std::string& token,
                                            uint64_t network_id, uint64_t thread_id,
                                            const std::string& name, const std::string& path) {
  return AttachmentOf(
      HttpsUploadFile(options, UploadSpec(token, network_id, thread_id, name), path));
}

Result<std::string> DownloadAttachment(const ConnectOptions& options, const std::string& token,
                                       uint64_t network_id, uint64_t attachment_id,
                                       bool thumbnail) {
  HttpRequestSpec spec;
  spec.target = "/v1/networks/" + std::to_string(network_id) + "/attachments/" +
                std::to_string(attachment_id) + (thumbnail ? "/thumbnail" : "");
  spec.headers = {{"Authorization", "Bearer " + token}};
  Result<HttpReply> reply = HttpsRequest(options, spec);
  if (!reply.ok()) return reply.error();
  if (reply->status != 200) return RefusalOf(*reply);
  return std::move(reply->body);
}

}  // namespace kring::sdk
