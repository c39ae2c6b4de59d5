// Randomness, passed in so tests can make it repeatable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kring {

// Thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // `n` bytes. For the system source these are cryptographically strong.
  virtual std::string Bytes(size_t n) = 0;
  uint64_t Uint64();
};

// OpenSSL's CSPRNG. Aborts if the CSPRNG fails: there is no safe way to go on without it.
class SystemRandom final : public Random {
 public:
  std::string Bytes(size_t n) override;
};

}  // namespace kring
