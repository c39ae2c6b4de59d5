// Internal to server/net: the attachment endpoints (docs/protocol.md, "Attachments").
//   POST /v1/networks/N/threads/T/attachments?name=NAME  streams the body into the attachment
//     area (HttpSession reads it chunk by chunk: never the whole file in memory), then has the
//     service store it (AttachmentStoreRequest): 200 with a serialized kring.v1.Response.
//   GET /v1/networks/N/attachments/ID[/thumbnail]  asks the service (AttachmentOpenRequest),
//     then streams the file from disk with Content-Disposition: attachment, nosniff and a
//     sandboxing CSP.
// Both prove their session with a Bearer token or the browser's cookie (attachment_rules.h),
// and go through a service connection of their own (internal_exchange.h): one ResumeSession and
// one request, each recorded. Includes Beast: include only from server/net/*.cc.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

#include "server/net/attachment_body.h"
#include "server/net/attachment_rules.h"
#include "server/net/web_endpoints.h"
#include "server/service/connection.h"
#include "server/storage/attachment_area.h"

namespace kring::net {

using FileResponse = boost::beast::http::response<AttachmentBody>;

// An upload whose header was accepted: its file in the area, for the body to be streamed into.
struct Upload {
  std::unique_ptr<storage::IncomingFile> file;
  std::string token;
  UploadTarget target;
  unsigned version = 11;
  uint64_t max_bytes = 0;  // the most the body may have (the limit, or the quota left)
};

// Thread-safe.
class AttachmentEndpoints {
 public:
  // `acceptor`, `web` (for the allowed origins) and `area` (may be null: 404s) must outlive
  // this.
  AttachmentEndpoints(service::ConnectionAcceptor& acceptor, const WebEndpoints& web,
                      storage::AttachmentArea* area)
      : acceptor_(acceptor), web_(web), area_(area) {}

  // The most bytes an upload's body may have (its header is read with this body limit).
  uint64_t max_upload_bytes() const;

  // For a POST under /v1/networks/ whose header is read, before a byte of its body is: asks the
  // service whether the session may upload there now (AttachmentBeginRequest: the person may post
  // in the thread, the name, the declared size against the limit and the quota), and only then
  // makes the file to receive the body. `begun` is called once, on `executor` (or at once), with
  // the upload or the answer to give instead (unknown path, no session, a refused Origin, no
  // attachment area, or the service's refusal): exactly one of the two is set.
  using Begun = std::function<void(std::unique_ptr<Upload>, std::unique_ptr<HttpResponse>)>;
  void BeginUpload(const boost::beast::http::request_header<>& header,
                   std::optional<uint64_t> declared_bytes, const service::PeerInfo& peer,
                   const boost::asio::any_io_executor& executor, Begun begun) const;

  // The upload's body is whole (and appended): checks its type, stages it and has the service
  // store it. `respond` is called once, on `executor`.
  void FinishUpload(Upload upload, const service::PeerInfo& peer,
                    const boost::asio::any_io_executor& executor,
                    std::function<void(HttpResponse)> respond) const;

  // A GET under /v1/networks/. Exactly one of `respond` and `respond_file` is called, once, on
  // `executor` (or at once).
  void Download(const HttpRequest& request, const service::PeerInfo& peer,
                const boost::asio::any_io_executor& executor,
                std::function<void(HttpResponse)> respond,
                std::function<void(FileResponse)> respond_file) const;

 private:
  service::ConnectionAcceptor& acceptor_;
  const WebEndpoints& web_;
  storage::AttachmentArea* const area_;
};

// The HTTP answer to a failed upload step (the body too large, a write that failed).
HttpResponse UploadRefused(unsigned version, const Status& status);

}  // namespace kring::net
