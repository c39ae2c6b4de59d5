#include "server/core/random.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace kring {

uint64_t Random::Uint64() {
  std::string b = Bytes(sizeof(uint64_t));
  uint64_t v;
  std::memcpy(&v, b.data(), sizeof v);
  return v;
}

std::string SystemRandom::Bytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();
  }
  return out;
}

}  // namespace kring
