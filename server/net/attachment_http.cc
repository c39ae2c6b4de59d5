#include "server/net/attachment_http.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <string_view>
#include <utility>

#include "kring/v1/kring.pb.h"
#include "server/net/browser_session.h"
#include "server/net/internal_exchange.h"

namespace kring::net {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

v1::Error::Code CodeOf(const Status& status) { return static_cast<v1::Error::Code>(status.code()); }

HttpResponse Unauthenticated(unsigned version, const Credentials& credentials) {
  if (credentials.refused) {
    return ErrorResponse(version, v1::Error::PERMISSION_DENIED, "this origin may not use kringd");
  }
  return ErrorResponse(version, v1::Error::UNAUTHENTICATED,
                       "send Authorization: Bearer <session token>, or the session cookie");
}

std::vector<v1::ClientFrame> WithSession(const std::string& token, v1::ClientFrame request) {
  std::vector<v1::ClientFrame> frames(2);
  frames[0].mutable_resume_session()->set_token(token);
  frames[1] = std::move(request);
  return frames;
}

// The service's answer to the last frame, as an HTTP response, when it is an error.
std::optional<HttpResponse> RefusalOf(unsigned version, std::vector<v1::Response>& responses) {
  v1::Response& answer = responses.back();
  if (!answer.has_error() || answer.error().code() == v1::Error::CODE_UNSPECIFIED) {
    return std::nullopt;
  }
  answer.set_request_id(0);
  // Over a limit (the file's size, the network's quota) rather than throttled: 413, as a body
  // over the limit is answered while it streams.
  const v1::Error& error = answer.error();
  if (error.code() == v1::Error::RESOURCE_EXHAUSTED && error.retry_after_ms() == 0) {
    return ProtoResponse(version, 413, answer);
  }
  return ProtoResponse(version, HttpStatusFor(error.code()), answer);
}

std::unique_ptr<HttpResponse> Refusal(HttpResponse response) {
  return std::make_unique<HttpResponse>(std::move(response));
}

}  // namespace

HttpResponse UploadRefused(unsigned version, const Status& status) {
  HttpResponse response = ErrorResponse(version, CodeOf(status), status.detail());
  if (status.code() == Code::kResourceExhausted) response.result(http::status::payload_too_large);
  return response;
}

uint64_t AttachmentEndpoints::max_upload_bytes() const {
  return area_ == nullptr ? 0 : area_->limits().max_bytes;
}

void AttachmentEndpoints::BeginUpload(const http::request_header<>& header,
                                      std::optional<uint64_t> declared_bytes,
                                      const service::PeerInfo& peer,
                                      const boost::asio::any_io_executor& executor,
                                      Begun begun) const {
  const unsigned version = header.version();
  std::optional<UploadTarget> target = ParseUploadTarget(header.target());
  if (area_ == nullptr || !target) {
    return begun(nullptr,
                 Refusal(ErrorResponse(version, v1::Error::NOT_FOUND, "no such endpoint")));
  }
  Credentials credentials =
      CredentialsOf(header[http::field::authorization], header[http::field::cookie],
                    header[http::field::origin], web_.origins(), /*origin_required=*/true);
  if (!credentials.token) return begun(nullptr, Refusal(Unauthenticated(version, credentials)));
  v1::ClientFrame ask;
  auto* request = ask.mutable_attachment_begin();
  request->set_network_id(target->network_id);
  request->set_thread_id(target->thread_id);
  request->set_name(target->name);
  request->set_size(declared_bytes.value_or(0));
  std::string token = *credentials.token;
  InternalExchange::Run(
      acceptor_, peer, WithSession(token, std::move(ask)), executor,
      [area = area_, version, token, target = std::move(*target),
       begun = std::move(begun)](std::vector<v1::Response> responses) mutable {
        if (auto refused = RefusalOf(version, responses)) {
          return begun(nullptr, Refusal(std::move(*refused)));
        }
        const uint64_t max_bytes = responses.back().attachment_begin().max_bytes();
        auto file = area->Begin(target.network_id, target.thread_id);
        if (!file.ok()) {
          return begun(nullptr, Refusal(ErrorResponse(version, v1::Error::INTERNAL,
                                                      "cannot receive the file")));
        }
        begun(std::make_unique<Upload>(Upload{std::move(*file), std::move(token), std::move(target),
                                              version, max_bytes}),
              nullptr);
      });
}

void AttachmentEndpoints::FinishUpload(Upload upload, const service::PeerInfo& peer,
                                       const boost::asio::any_io_executor& executor,
                                       std::function<void(HttpResponse)> respond) const {
  const unsigned version = upload.version;
  if (Status finished = upload.file->Finish(); !finished.ok()) {
    HttpResponse refused = ErrorResponse(version, CodeOf(finished), finished.detail());
    if (finished.code() == Code::kInvalidArgument) {
      refused.result(http::status::unsupported_media_type);
    }
    return respond(std::move(refused));  // `upload` goes, and its file with it
  }
  const std::string upload_id = area_->Stage(std::move(upload.file));
  v1::ClientFrame store;
  auto* request = store.mutable_attachment_store();
  request->set_network_id(upload.target.network_id);
  request->set_thread_id(upload.target.thread_id);
  request->set_name(upload.target.name);
  request->set_upload_id(upload_id);
  InternalExchange::Run(acceptor_, peer, WithSession(upload.token, std::move(store)), executor,
                        [area = area_, upload_id, version,
                         respond = std::move(respond)](std::vector<v1::Response> responses) {
                          // Not taken when the session was refused: its file goes now.
                          area->Discard(upload_id);
                          if (auto refused = RefusalOf(version, responses)) {
                            return respond(std::move(*refused));
                          }
                          v1::Response& answer = responses.back();
                          answer.set_request_id(0);
                          respond(ProtoResponse(version, 200, answer));
                        });
}

void AttachmentEndpoints::Download(const HttpRequest& request, const service::PeerInfo& peer,
                                   const boost::asio::any_io_executor& executor,
                                   std::function<void(HttpResponse)> respond,
                                   std::function<void(FileResponse)> respond_file) const {
  const unsigned version = request.version();
  std::optional<DownloadTarget> target = ParseDownloadTarget(request.target());
  if (area_ == nullptr || !target) {
    return respond(ErrorResponse(version, v1::Error::NOT_FOUND, "no such endpoint"));
  }
  if (request.method() != http::verb::get) {
    HttpResponse refused = ErrorResponse(version, v1::Error::INVALID_ARGUMENT, "use GET");
    refused.result(http::status::method_not_allowed);
    refused.set(http::field::allow, "GET");
    return respond(std::move(refused));
  }
  Credentials credentials =
      CredentialsOf(request[http::field::authorization], request[http::field::cookie],
                    request[http::field::origin], web_.origins(), /*origin_required=*/false);
  if (!credentials.token) return respond(Unauthenticated(version, credentials));
  v1::ClientFrame open;
  auto* ask = open.mutable_attachment_open();
  ask->set_network_id(target->network_id);
  ask->set_attachment_id(target->attachment_id);
  ask->set_thumbnail(target->thumbnail);
  const bool keep_alive = request.keep_alive();
  InternalExchange::Run(
      acceptor_, peer, WithSession(*credentials.token, std::move(open)), executor,
      [area = area_, version, keep_alive, thumbnail = target->thumbnail,
       respond = std::move(respond),
       respond_file = std::move(respond_file)](std::vector<v1::Response> responses) {
        if (auto refused = RefusalOf(version, responses)) return respond(std::move(*refused));
        const v1::Attachment& attachment = responses.back().attachment_open().attachment();
        const std::string& sha = thumbnail ? attachment.thumbnail_sha256() : attachment.sha256();
        const uint64_t network_id = attachment.network_id();
        StatusOr<std::unique_ptr<storage::AttachmentReader>> reader =
            area->OpenFile(network_id, sha);
        if (!reader.ok()) {
          const bool missing = reader.status().code() == Code::kNotFound;
          return respond(ErrorResponse(
              version, missing ? v1::Error::INTERNAL : v1::Error::FAILED_PRECONDITION,
              missing ? "the attachment's file is missing" : reader.status().detail()));
        }
        FileResponse response(http::status::ok, version);
        response.body().reader = std::move(*reader);
        response.body().size = thumbnail ? attachment.thumbnail_size() : attachment.size();
        response.set(http::field::server, "kringd");
        for (const auto& [name, value] : kSecurityHeaders) response.set(name, value);
        // Never shown in place, never run as a page of this origin, whatever it holds.
        response.set("Content-Security-Policy", kDownloadCsp);
        response.set(http::field::content_type,
                     thumbnail ? std::string("image/png") : attachment.content_type());
        const std::string name =
            thumbnail ? attachment.name() + ".thumbnail.png" : attachment.name();
        response.set(http::field::content_disposition, ContentDisposition(name));
        response.set(http::field::cache_control, "private, no-store");
        response.keep_alive(keep_alive);
        response.prepare_payload();
        respond_file(std::move(response));
      });
}

}  // namespace kring::net
