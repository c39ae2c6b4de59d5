#include "server/core/crypto.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdint>
#include <memory>

namespace kring {

std::string Sha256(std::string_view data) {
  // OpenSSL 3's one-shot SHA256() looks the algorithm up in its provider tables on every call,
  // which cost more than hashing a message. The writer hashes twice per post (idempotency and
  // the access-log chain), so the algorithm is fetched once and each thread keeps a context.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int length = 0;
  if (sha256 == nullptr || ctx == nullptr || EVP_DigestInit_ex(ctx.get(), sha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length) != 1) {
    // Not reachable with a working libcrypto; the slow path gives the same digest.
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

}  // namespace kring
