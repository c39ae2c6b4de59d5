// A Beast body that streams a stored attachment as storage::AttachmentReader reads it: a chunk
// at a time, opened when sealed (docs/data-rights.md), never the whole file in memory. A chunk
// that does not open ends the response with an error (the connection closes): never garbled
// bytes. Includes Beast: include only from server/net/*.cc.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "server/storage/attachment_area.h"

namespace kring::net {

struct AttachmentBody {
  struct value_type {
    std::unique_ptr<storage::AttachmentReader> reader;
    uint64_t size = 0;  // of the content (the Content-Length)
  };

  static uint64_t size(const value_type& body) { return body.size; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (!body_.reader) return boost::none;
      StatusOr<std::string> chunk = body_.reader->Next();
      if (!chunk.ok()) {
        ec = boost::beast::errc::make_error_code(boost::beast::errc::io_error);
        return boost::none;
      }
      if (chunk->empty()) return boost::none;
      chunk_ = std::move(*chunk);
      return std::make_pair(const_buffers_type(chunk_.data(), chunk_.size()),
                            !body_.reader->done());
    }

   private:
    value_type& body_;
    std::string chunk_;  // what get() last handed out
  };
};

}  // namespace kring::net
