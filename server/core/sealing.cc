#include "server/core/sealing.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace kring {
namespace {

constexpr unsigned char kVersion = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// Sealing runs once or twice per message posted (docs/benchmarks.md): the cipher is fetched from
// the provider once (EVP_aes_256_gcm() would look it up again on every init in OpenSSL 3), and
// each thread keeps one context, which every init resets.
const EVP_CIPHER* AesGcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

EVP_CIPHER_CTX* ThreadContext() {
  thread_local Ctx ctx(EVP_CIPHER_CTX_new());
  return ctx.get();
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string NetworkKeyAssociated(uint64_t network_id) {
  return "kring network key " + std::to_string(network_id);
}

}  // namespace

SealingKey SealingKey::Generate(Random& random) {
  SealingKey key;
  const std::string raw = random.Bytes(key.bytes.size());
  std::copy(raw.begin(), raw.end(), key.bytes.begin());
  return key;
}

StatusOr<SealingKey> SealingKey::FromBytes(std::string_view raw) {
  SealingKey key;
  if (raw.size() != key.bytes.size()) return InvalidArgument("a key is exactly 32 bytes");
  std::copy(raw.begin(), raw.end(), key.bytes.begin());
  return key;
}

std::string Seal(const SealingKey& key, std::string_view plaintext, std::string_view associated,
                 Random& random) {
  std::string out(1 + kNonceBytes + plaintext.size() + kTagBytes, '\0');
  out[0] = static_cast<char>(kVersion);
  const std::string nonce = random.Bytes(kNonceBytes);
  std::copy(nonce.begin(), nonce.end(), out.begin() + 1);
  auto* cipher = reinterpret_cast<unsigned char*>(out.data()) + 1 + kNonceBytes;
  EVP_CIPHER_CTX* ctx = ThreadContext();
  int len = 0;
  // Every call below only fails when libcrypto itself is broken (no memory, no AES): content
  // must never be stored in the clear, so that is fatal.
  if (ctx == nullptr || AesGcm() == nullptr ||
      EVP_EncryptInit_ex(ctx, AesGcm(), nullptr, key.bytes.data(), Bytes(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(associated),
                        static_cast<int>(associated.size())) != 1 ||
      EVP_EncryptUpdate(ctx, cipher, &len, Bytes(plaintext), static_cast<int>(plaintext.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx, cipher + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher + plaintext.size()) != 1) {
    std::abort();
  }
  return out;
}

StatusOr<std::string> Open(const SealingKey& key, std::string_view sealed,
                           std::string_view associated) {
  if (sealed.size() < kSealOverhead || static_cast<unsigned char>(sealed[0]) != kVersion) {
    return FailedPrecondition("not a sealed value");
  }
  const std::string_view nonce = sealed.substr(1, kNonceBytes);
  const std::string_view cipher = sealed.substr(1 + kNonceBytes, sealed.size() - kSealOverhead);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string plain(cipher.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  EVP_CIPHER_CTX* ctx = ThreadContext();
  int len = 0;
  if (ctx == nullptr || AesGcm() == nullptr ||
      EVP_DecryptInit_ex(ctx, AesGcm(), nullptr, key.bytes.data(), Bytes(nonce)) != 1 ||
      EVP_DecryptUpdate(ctx, nullptr, &len, Bytes(associated),
                        static_cast<int>(associated.size())) != 1 ||
      EVP_DecryptUpdate(ctx, out, &len, Bytes(cipher), static_cast<int>(cipher.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx, out + len, &len) != 1) {
    return FailedPrecondition("the sealed value does not open: wrong key or record, or damaged");
  }
  return plain;
}

std::string WrapNetworkKey(const SealingKey& master, uint64_t network_id,
                           const SealingKey& network_key, Random& random) {
  const std::string_view raw(reinterpret_cast<const char*>(network_key.bytes.data()),
                             network_key.bytes.size());
  return Seal(master, raw, NetworkKeyAssociated(network_id), random);
}

StatusOr<SealingKey> UnwrapNetworkKey(const SealingKey& master, uint64_t network_id,
                                      std::string_view wrapped) {
  KRING_ASSIGN_OR_RETURN(std::string raw, Open(master, wrapped, NetworkKeyAssociated(network_id)));
  return SealingKey::FromBytes(raw);
}

}  // namespace kring
