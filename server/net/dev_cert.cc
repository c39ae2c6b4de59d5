#include "server/net/dev_cert.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <system_error>

namespace kring::net {
namespace {

namespace fs = std::filesystem;

// Long enough not to bother a developer, within what Apple platforms accept for TLS server
// certificates (825 days).
constexpr int kValidityDays = 825;
// A certificate this close to expiry is replaced rather than reused.
constexpr long kRenewBeforeSeconds = 24 * 60 * 60;  // NOLINT(runtime/int): OpenSSL's type

struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

Status OpenSslFailure(std::string_view what) {
  std::string detail = "dev certificate: " + std::string(what);
  unsigned long err = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    detail += ": ";
    detail += buf;
  }
  ERR_clear_error();
  return Internal(std::move(detail));
}

Status Errno(std::string_view what, const std::string& path) {
  return Internal("dev certificate: " + std::string(what) + " " + path + ": " +
                  std::strerror(errno));
}

// Creates `dir` (and parents) if missing; `dir` itself ends up 0700.
Status MakePrivateDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("dev certificate: create " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) return Errno("chmod", dir.string());
  return Status::Ok();
}

// Writes `bytes` to `path` with `mode` via a temporary file and rename, so a crash never leaves
// half a key behind.
Status WriteFileAtomically(const fs::path& path, std::string_view bytes, mode_t mode) {
  const std::string tmp = path.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Errno("create", tmp);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status status = Errno("write", tmp);
      ::close(fd);
      return status;
    }
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    Status status = Errno("sync", tmp);
    ::close(fd);
    return status;
  }
  if (::close(fd) != 0) return Errno("close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename", tmp);
  return Status::Ok();
}

StatusOr<std::string> ToPem(const std::function<int(BIO*)>& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return OpenSslFailure("PEM encoding");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);  // NOLINT(runtime/int)
  return std::string(data, static_cast<size_t>(size));
}

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslFailure(std::string("extension ") + OBJ_nid2sn(nid));
  }
  return Status::Ok();
}

struct Generated {
  std::string cert_pem;
  std::string key_pem;
};

StatusOr<Generated> Generate() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslFailure("EC P-256 key generation");

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslFailure("X509_new");
  }
  // A random positive 159-bit serial (RFC 5280: at most 20 octets, positive).
  unsigned char serial_bytes[20];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) return OpenSslFailure("RAND_bytes");
  serial_bytes[0] &= 0x7f;
  std::unique_ptr<BIGNUM, BnFree> serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return OpenSslFailure("serial number");
  }
  // Backdated an hour for clocks that are a little behind.
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), kValidityDays, 0, nullptr)) {
    return OpenSslFailure("validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("Kring development"), -1,
                                 -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslFailure("names");
  }
  KRING_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  KRING_RETURN_IF_ERROR(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  KRING_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  KRING_RETURN_IF_ERROR(
      AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"));
  KRING_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslFailure("signing");

  KRING_ASSIGN_OR_RETURN(std::string cert_pem,
                         ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); }));
  KRING_ASSIGN_OR_RETURN(std::string key_pem, ToPem([&](BIO* bio) {
                           return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0,
                                                           nullptr, nullptr);
                         }));
  return Generated{std::move(cert_pem), std::move(key_pem)};
}

enum class Existing { kUsable, kExpired, kBroken };

Existing Check(const fs::path& cert_path, const fs::path& key_path, std::string* why) {
  BioPtr cert_bio(BIO_new_file(cert_path.c_str(), "r"));
  BioPtr key_bio(BIO_new_file(key_path.c_str(), "r"));
  X509Ptr cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  PkeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr)
                      : nullptr);
  ERR_clear_error();
  if (!cert) {
    *why = "cannot read a certificate from " + cert_path.string();
    return Existing::kBroken;
  }
  if (!key) {
    *why = "cannot read a private key from " + key_path.string();
    return Existing::kBroken;
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    *why = key_path.string() + " does not match " + cert_path.string();
    return Existing::kBroken;
  }
  time_t renew_at = time(nullptr) + kRenewBeforeSeconds;
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &renew_at) <= 0) return Existing::kExpired;
  return Existing::kUsable;
}

}  // namespace

StatusOr<DevCertificate> EnsureDevCertificate(const std::string& data_dir) {
  const fs::path dir = fs::path(data_dir) / "tls";
  DevCertificate result{(dir / "cert.pem").string(), (dir / "key.pem").string(), false};

  std::error_code ec;
  if (!fs::exists(data_dir, ec)) KRING_RETURN_IF_ERROR(MakePrivateDir(data_dir));
  KRING_RETURN_IF_ERROR(MakePrivateDir(dir));

  const bool have_cert = fs::exists(result.cert_file, ec);
  const bool have_key = fs::exists(result.key_file, ec);
  if (have_cert || have_key) {
    std::string why;
    switch (Check(result.cert_file, result.key_file, &why)) {
      case Existing::kUsable:
        return result;
      case Existing::kExpired:
        spdlog::warn("dev certificate {} expires within a day; replacing it", result.cert_file);
        break;
      case Existing::kBroken:
        return FailedPrecondition("dev certificate: " + why +
                                  "; remove both files to have new ones generated");
    }
  }

  KRING_ASSIGN_OR_RETURN(Generated generated, Generate());
  // Key first: a cert.pem on disk means its key is there too.
  KRING_RETURN_IF_ERROR(WriteFileAtomically(result.key_file, generated.key_pem, 0600));
  KRING_RETURN_IF_ERROR(WriteFileAtomically(result.cert_file, generated.cert_pem, 0600));
  result.created = true;
  return result;
}

}  // namespace kring::net
