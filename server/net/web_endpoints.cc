#include "server/net/web_endpoints.h"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "kring/v1/kring.pb.h"
#include "server/net/browser_session.h"
#include "server/net/internal_exchange.h"

namespace kring::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HttpResponse ProtoResponse(unsigned version, unsigned status, const v1::Response& body) {
  HttpResponse response(static_cast<http::status>(status), version);
  AddSecurityHeaders(response);
  response.set(http::field::content_type, kProtobufType);
  response.set(http::field::cache_control, "no-store");
  response.body() = body.SerializeAsString();
  response.prepare_payload();
  return response;
}

HttpResponse ErrorResponse(unsigned version, v1::Error::Code code, std::string detail) {
  v1::Response body;
  body.mutable_error()->set_code(code);
  body.mutable_error()->set_detail(std::move(detail));
  return ProtoResponse(version, HttpStatusFor(code), body);
}

void AddSecurityHeaders(HttpResponse& response) {
  response.set(http::field::server, "kringd");
  for (const auto& [name, value] : kSecurityHeaders) response.set(name, value);
}

HttpResponse TextResponse(unsigned version, http::status status, std::string body) {
  HttpResponse response(status, version);
  AddSecurityHeaders(response);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

WebEndpoints::WebEndpoints(service::ConnectionAcceptor& acceptor, WebOptions options)
    : acceptor_(acceptor), root_(std::move(options.root)), origins_(std::move(options.origins)) {}

void WebEndpoints::SetPort(uint16_t port) {
  if (origins_.empty()) origins_ = LocalOrigins(port);
}

void WebEndpoints::Handle(const HttpRequest& request, const service::PeerInfo& peer,
                          const asio::any_io_executor& executor,
                          std::function<void(HttpResponse)> respond) const {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/v1/session") return HandleSession(request, peer, executor, std::move(respond));

  const bool head = request.method() == http::verb::head;
  if (request.method() != http::verb::get && !head) {
    HttpResponse refused =
        TextResponse(request.version(), http::status::method_not_allowed, "method not allowed");
    refused.set(http::field::allow, "GET, HEAD");
    return respond(std::move(refused));
  }
  // Small files, usually in the page cache: read here rather than paying a hop to a pool.
  StaticFile file = root_.Get(path);
  if (file.status != 200) {
    return respond(
        TextResponse(request.version(), static_cast<http::status>(file.status), file.body));
  }
  HttpResponse response(http::status::ok, request.version());
  AddSecurityHeaders(response);
  response.set(http::field::content_type, file.content_type);
  response.set(http::field::cache_control, file.cache_control);
  if (head) {
    response.content_length(file.body.size());
  } else {
    response.body() = std::move(file.body);
    response.prepare_payload();
  }
  respond(std::move(response));
}

void WebEndpoints::HandleSession(const HttpRequest& request, const service::PeerInfo& peer,
                                 const asio::any_io_executor& executor,
                                 std::function<void(HttpResponse)> respond) const {
  const unsigned version = request.version();
  const bool post = request.method() == http::verb::post;
  if (!post && request.method() != http::verb::delete_) {
    HttpResponse refused =
        ErrorResponse(version, v1::Error::INVALID_ARGUMENT, "use POST or DELETE");
    refused.result(http::status::method_not_allowed);
    refused.set(http::field::allow, "POST, DELETE");
    return respond(std::move(refused));
  }
  // A page of another site may send this request with the browser's cookie; its Origin gives
  // it away. Browsers always send Origin on POST and DELETE.
  if (!OriginAllowed(origins_, request[http::field::origin])) {
    return respond(
        ErrorResponse(version, v1::Error::PERMISSION_DENIED, "this origin may not use kringd"));
  }

  if (post) {
    const std::string_view type = request[http::field::content_type];
    if (type.substr(0, type.find(';')) != kProtobufType) {
      HttpResponse refused = ErrorResponse(version, v1::Error::INVALID_ARGUMENT,
                                           "the body must be application/x-protobuf");
      refused.result(http::status::unsupported_media_type);
      return respond(std::move(refused));
    }
    v1::ClientFrame frame;
    if (!frame.mutable_login()->ParseFromString(request.body())) {
      return respond(ErrorResponse(version, v1::Error::INVALID_ARGUMENT,
                                   "the body is not a serialized kring.v1.LoginRequest"));
    }
    InternalExchange::Run(
        acceptor_, peer, {std::move(frame)}, executor,
        [version, respond = std::move(respond)](std::vector<v1::Response> responses) {
          v1::Response& answer = responses.back();
          answer.set_request_id(0);
          if (!answer.has_login()) {
            return respond(ProtoResponse(version, HttpStatusFor(answer.error().code()), answer));
          }
          // The token goes into the HttpOnly cookie only: no script of the page ever holds it.
          const std::string token = answer.login().token();
          answer.mutable_login()->clear_token();
          HttpResponse response = ProtoResponse(version, 200, answer);
          const int64_t left_ms = answer.login().expires_at_ms() - NowMs();
          response.set(http::field::set_cookie, SessionCookie(token, left_ms / 1000));
          respond(std::move(response));
        });
    return;
  }

  // DELETE: ends the cookie's session (if it is one) exactly as LogoutRequest does, and clears
  // the cookie either way.
  auto cleared = [version] {
    HttpResponse response(http::status::no_content, version);
    AddSecurityHeaders(response);
    response.set(http::field::cache_control, "no-store");
    response.set(http::field::set_cookie, ClearedSessionCookie());
    return response;
  };
  std::optional<std::string> token = SessionCookieFrom(request[http::field::cookie]);
  if (!token) return respond(cleared());
  std::vector<v1::ClientFrame> frames(2);
  frames[0].mutable_resume_session()->set_token(*token);
  frames[1].mutable_logout();
  InternalExchange::Run(
      acceptor_, peer, std::move(frames), executor,
      [cleared, respond = std::move(respond)](std::vector<v1::Response>) { respond(cleared()); });
}

std::optional<HttpResponse> WebEndpoints::CheckUpgrade(const HttpRequest& request,
                                                       service::PeerInfo& peer) const {
  std::optional<std::string> token = SessionCookieFrom(request[http::field::cookie]);
  if (!token) return std::nullopt;
  // Cross-site WebSocket hijacking: a page of another site opens a socket and the browser adds
  // our cookie. Refused before the upgrade.
  if (!OriginAllowed(origins_, request[http::field::origin])) {
    return TextResponse(request.version(), http::status::forbidden,
                        "this origin may not open an authenticated connection");
  }
  peer.session_token = std::move(*token);
  return std::nullopt;
}

}  // namespace kring::net
