// Ed25519 signatures (RFC 8032) through OpenSSL, for signed audit checkpoints. Keys travel as
// PEM text (PKCS#8 private keys, SubjectPublicKeyInfo public keys); files are the caller's
// business.
#pragma once

#include <string>
#include <string_view>

#include "server/core/status.h"

namespace kring::ed25519 {

// A new private key, PEM.
StatusOr<std::string> GeneratePrivateKeyPem();
// The public key of a private key, PEM. INVALID_ARGUMENT if `private_pem` is not an Ed25519 key.
StatusOr<std::string> PublicKeyPem(std::string_view private_pem);
// The 64-byte signature of `message`.
StatusOr<std::string> Sign(std::string_view private_pem, std::string_view message);
// OK if `signature` is a valid signature of `message` by `public_pem`; PERMISSION_DENIED if not.
Status Verify(std::string_view public_pem, std::string_view message, std::string_view signature);

}  // namespace kring::ed25519
