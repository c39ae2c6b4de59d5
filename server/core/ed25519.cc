#include "server/core/ed25519.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

namespace kring::ed25519 {

namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

std::string ToPem(EVP_PKEY* key, bool private_part) {
  Bio bio(BIO_new(BIO_s_mem()));
  const int ok =
      private_part ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                   : PEM_write_bio_PUBKEY(bio.get(), key);
  if (ok != 1) return "";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

StatusOr<Key> ReadKey(std::string_view pem, bool private_part) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(private_part ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                       : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return InvalidArgument(private_part ? "not an Ed25519 private key (PEM)"
                                        : "not an Ed25519 public key (PEM)");
  }
  return key;
}

}  // namespace

StatusOr<std::string> GeneratePrivateKeyPem() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return Internal("could not generate an Ed25519 key");
  return ToPem(key.get(), true);
}

StatusOr<std::string> PublicKeyPem(std::string_view private_pem) {
  KRING_ASSIGN_OR_RETURN(Key key, ReadKey(private_pem, true));
  return ToPem(key.get(), false);
}

StatusOr<std::string> Sign(std::string_view private_pem, std::string_view message) {
  KRING_ASSIGN_OR_RETURN(Key key, ReadKey(private_pem, true));
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  size_t len = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Internal("Ed25519 signing failed");
  }
  signature.resize(len);
  return signature;
}

Status Verify(std::string_view public_pem, std::string_view message, std::string_view signature) {
  KRING_ASSIGN_OR_RETURN(Key key, ReadKey(public_pem, false));
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return Internal("Ed25519 verification could not start");
  }
  const int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (ok != 1) return PermissionDenied("the signature does not match");
  return Status::Ok();
}

}  // namespace kring::ed25519
