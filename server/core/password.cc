#include "server/core/password.h"

#include <argon2.h>

#include <string>

namespace kring {

namespace {
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
}  // namespace

Status CheckPasswordLength(std::string_view password) {
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return InvalidArgument("a password is 12 to 1024 bytes long");
  }
  return Status::Ok();
}

StatusOr<std::string> HashPassword(std::string_view password, const PasswordPolicy& policy,
                                   Random& random) {
  KRING_RETURN_IF_ERROR(CheckPasswordLength(password));
  std::string salt = random.Bytes(kSaltBytes);
  size_t encoded_len = argon2_encodedlen(policy.time_cost, policy.memory_kib, policy.parallelism,
                                         kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(encoded_len, '\0');
  int rc = argon2id_hash_encoded(policy.time_cost, policy.memory_kib, policy.parallelism,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Internal(std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));  // argon2_encodedlen counts the terminator
  return encoded;
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  std::string terminated(encoded);  // argon2id_verify wants a C string
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace kring
