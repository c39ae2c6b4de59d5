// Internal to server/net: what kringd answers over plain HTTPS besides /healthz, /readyz and the
// WebSocket: the web app's files at `/` (static_files.h) and the browser's session endpoints
// POST and DELETE /v1/session (browser_session.h), and the Origin/cookie check of a WebSocket
// upgrade. Includes Beast: include only from server/net/*.cc.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/net/static_files.h"
#include "server/net/ws_session.h"
#include "server/service/connection.h"

namespace kring::net {

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Puts kSecurityHeaders and `Server: kringd` on a response. Every response of kringd gets them.
void AddSecurityHeaders(HttpResponse& response);

inline constexpr std::string_view kProtobufType = "application/x-protobuf";

// A serialized kring.v1.Response with no-store caching.
HttpResponse ProtoResponse(unsigned version, unsigned status, const v1::Response& body);
// A kring.v1.Response carrying `code`, with the HTTP status of that code (HttpStatusFor).
HttpResponse ErrorResponse(unsigned version, v1::Error::Code code, std::string detail);

// A plain-text response with no-store caching, for the request's HTTP version.
HttpResponse TextResponse(unsigned version, boost::beast::http::status status, std::string body);

struct WebOptions {
  std::string root;                  // the web app's directory; may not exist (then 404)
  std::vector<std::string> origins;  // allowed browser origins; empty: LocalOrigins(port)
};

// Thread-safe after SetPort (called once, before the first request).
class WebEndpoints {
 public:
  // `acceptor` must outlive this.
  WebEndpoints(service::ConnectionAcceptor& acceptor, WebOptions options);

  // The port kringd listens on, for the default origins.
  void SetPort(uint16_t port);

  // Answers `request` (not a WebSocket upgrade, not /healthz or /readyz). `respond` is called
  // exactly once: at once, or later on `executor` once the service has answered.
  void Handle(const HttpRequest& request, const service::PeerInfo& peer,
              const boost::asio::any_io_executor& executor,
              std::function<void(HttpResponse)> respond) const;

  // For a WebSocket upgrade: with a kring_session cookie and an allowed Origin, puts its token in
  // `peer` (the connection starts resumed from it). With the cookie and any other Origin (or
  // none), returns the 403 to answer instead of upgrading. Without the cookie, changes nothing.
  std::optional<HttpResponse> CheckUpgrade(const HttpRequest& request,
                                           service::PeerInfo& peer) const;

  const std::vector<std::string>& origins() const { return origins_; }

 private:
  void HandleSession(const HttpRequest& request, const service::PeerInfo& peer,
                     const boost::asio::any_io_executor& executor,
                     std::function<void(HttpResponse)> respond) const;

  service::ConnectionAcceptor& acceptor_;
  const WebRoot root_;
  std::vector<std::string> origins_;  // set before serving; read-only after
};

}  // namespace kring::net
