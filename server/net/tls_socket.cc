#include "server/net/tls_socket.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cstdint>

namespace kring::net {

namespace asio = boost::asio;
using boost::beast::error_code;

namespace {

// OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE on a connection the peer
// has reset and would kill kringd. This one uses send(2) with MSG_NOSIGNAL, and MSG_DONTWAIT so
// the descriptor's own blocking mode (Asio's business) does not matter.
int SocketFd(BIO* bio) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio))); }

bool WouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

int SocketWrite(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n =
      ::send(SocketFd(bio), data, static_cast<size_t>(size), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0 && WouldBlock(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int SocketRead(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(SocketFd(bio), data, static_cast<size_t>(size), MSG_DONTWAIT);
  if (n == 0) {
    // OpenSSL asks BIO_eof() to tell a TCP close without close_notify from a socket error.
    BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
  } else if (n < 0 && WouldBlock(errno)) {
    BIO_set_retry_read(bio);
  }
  return static_cast<int>(n);
}

long SocketCtrl(BIO* bio, int cmd, long, void*) {  // NOLINT(runtime/int): OpenSSL's type
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;  // nothing is buffered here
    case BIO_CTRL_EOF:
      return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    default:
      return 0;
  }
}

const BIO_METHOD* SocketMethod() {
  static const BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "kring socket");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, SocketWrite);
    BIO_meth_set_read(m, SocketRead);
    BIO_meth_set_ctrl(m, SocketCtrl);
    return m;
  }();
  return method;
}

SSL* NewServerSsl(SSL_CTX* context, int fd) {
  const BIO_METHOD* method = SocketMethod();
  if (method == nullptr) return nullptr;
  SSL* ssl = SSL_new(context);
  if (ssl == nullptr) return nullptr;
  BIO* bio = BIO_new(method);
  if (bio == nullptr) {
    SSL_free(ssl);
    return nullptr;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl, bio, bio);  // one reference, owned by ssl
  // Writes are retried from a new operation whose (flattened) buffer may live elsewhere; a
  // write completes per record so Beast sees progress.
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_accept_state(ssl);
  return ssl;
}

}  // namespace

TlsSocket::TlsSocket(next_layer_type socket, asio::ssl::context& context)
    : socket_(std::move(socket)) {
  if (socket_.is_open()) ssl_ = NewServerSsl(context.native_handle(), socket_.native_handle());
  ERR_clear_error();
}

TlsSocket::TlsSocket(TlsSocket&& other) noexcept
    : socket_(std::move(other.socket_)), ssl_(std::exchange(other.ssl_, nullptr)) {}

TlsSocket::~TlsSocket() {
  // Frees the BIO too; it never closes the descriptor (socket_ does).
  if (ssl_ != nullptr) SSL_free(ssl_);
}

TlsSocket::Step TlsSocket::Perform(Kind kind, char* data, size_t size) {
  Step step;
  if (ssl_ == nullptr) {
    step.ec = asio::error::no_memory;
    return step;
  }
  // The descriptor number may already belong to another connection once closed.
  if (!socket_.is_open()) {
    step.ec = asio::error::bad_descriptor;
    return step;
  }
  ERR_clear_error();
  errno = 0;
  int result = 0;
  switch (kind) {
    case Kind::kHandshake:
      result = SSL_do_handshake(ssl_);
      break;
    case Kind::kRead:
      result = SSL_read_ex(ssl_, data, size, &step.bytes);
      break;
    case Kind::kWrite:
      // Each call writes one record (SSL_MODE_ENABLE_PARTIAL_WRITE): go on while the socket
      // takes them, so a large write costs one operation, not one per 16 KiB.
      while (step.bytes < size) {
        size_t written = 0;
        result = SSL_write_ex(ssl_, data + step.bytes, size - step.bytes, &written);
        if (result <= 0) break;
        step.bytes += written;
      }
      break;
    case Kind::kShutdown:
      // As Asio does: send close_notify, then call again to wait for the peer's.
      result = SSL_shutdown(ssl_);
      if (result == 0) result = SSL_shutdown(ssl_);
      break;
  }
  const int sys_error = errno;
  const int ssl_error = SSL_get_error(ssl_, result);
  switch (ssl_error) {
    case SSL_ERROR_NONE:
      break;
    case SSL_ERROR_WANT_READ:
      step.want = Want::kRead;
      break;
    case SSL_ERROR_WANT_WRITE:
      step.want = Want::kWrite;
      break;
    case SSL_ERROR_ZERO_RETURN:
      step.ec = asio::error::eof;  // the peer's close_notify
      break;
    case SSL_ERROR_SYSCALL:
      // errno 0: TCP ended without close_notify.
      step.ec = sys_error != 0 ? error_code(sys_error, boost::system::system_category())
                               : error_code(asio::ssl::error::stream_truncated);
      break;
    case SSL_ERROR_SSL: {
      const unsigned long err = ERR_peek_error();  // NOLINT(runtime/int): OpenSSL's type
      if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
          ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        step.ec = asio::ssl::error::stream_truncated;
      } else if (err == 0 && sys_error != 0) {
        step.ec = error_code(sys_error, boost::system::system_category());
      } else {
        step.ec = error_code(static_cast<int>(err), asio::error::get_ssl_category());
      }
      break;
    }
    default:
      step.ec = asio::ssl::error::unexpected_result;
      break;
  }
  // The error queue is per thread; leave nothing for the next connection on this thread.
  ERR_clear_error();
  return step;
}

void teardown(boost::beast::role_type role, TlsSocket& stream, error_code& ec) {
  // Best effort without blocking: one close_notify, then the TCP teardown (which blocks).
  if (SSL* ssl = stream.native_handle(); ssl != nullptr && stream.next_layer().is_open()) {
    SSL_shutdown(ssl);
    ERR_clear_error();
  }
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

}  // namespace kring::net
