// The development TLS certificate: what kringd serves when the config names none.
//
// OpenSSL only (no Asio): the app calls this before building the Server.
#pragma once

#include <string>

#include "server/core/status.h"

namespace kring::net {

struct DevCertificate {
  std::string cert_file;  // DATA_DIR/tls/cert.pem: apps pin this file as their CA
  std::string key_file;   // DATA_DIR/tls/key.pem, mode 0600
  bool created = false;   // false: an existing certificate was reused
};

// Makes sure DATA_DIR/tls holds a self-signed EC P-256 certificate for DNS:localhost,
// IP:127.0.0.1 and IP:::1 with its key, creating them if absent (or expired) and reusing them
// otherwise. Directories it creates get mode 0700; the key is written 0600. Blocks on file I/O.
// Errors: kInternal for I/O or OpenSSL failures, kFailedPrecondition when the files exist but do
// not hold a matching certificate and key (they are left alone: the message says to remove them).
[[nodiscard]] StatusOr<DevCertificate> EnsureDevCertificate(const std::string& data_dir);

}  // namespace kring::net
