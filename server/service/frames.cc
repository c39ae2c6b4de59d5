#include "server/service/frames.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

namespace kring::service {

namespace {

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Tag of a length-delimited field (wire type 2).
void AppendLenTag(std::string& out, int field, uint64_t len) {
  AppendVarint(out, (static_cast<uint64_t>(field) << 3) | 2);
  AppendVarint(out, len);
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace

Frame EventFrame(const v1::Event& event) {
  v1::ServerFrame frame;
  *frame.mutable_event() = event;
  return std::make_shared<const std::string>(frame.SerializeAsString());
}

Frame MessagePostedFrame(std::string_view message_bytes) {
  // MessagePosted.message = 1; Event.message_posted = 1; ServerFrame.event = 2.
  const uint64_t posted_len = 1 + VarintSize(message_bytes.size()) + message_bytes.size();
  const uint64_t event_len = 1 + VarintSize(posted_len) + posted_len;
  std::string out;
  out.reserve(1 + VarintSize(event_len) + event_len);
  AppendLenTag(out, v1::ServerFrame::kEventFieldNumber, event_len);
  AppendLenTag(out, v1::Event::kMessagePostedFieldNumber, posted_len);
  AppendLenTag(out, v1::MessagePosted::kMessageFieldNumber, message_bytes.size());
  out.append(message_bytes);
  return std::make_shared<const std::string>(std::move(out));
}

void BatchFrames(const std::vector<std::string_view>& frames, std::string& out) {
  // ServerFrameBatch.frames = 1; ServerFrame.batch = 3.
  uint64_t batch_len = 0;
  for (std::string_view frame : frames) batch_len += 1 + VarintSize(frame.size()) + frame.size();
  out.clear();
  out.reserve(1 + VarintSize(batch_len) + batch_len);
  AppendLenTag(out, v1::ServerFrame::kBatchFieldNumber, batch_len);
  for (std::string_view frame : frames) {
    AppendLenTag(out, v1::ServerFrameBatch::kFramesFieldNumber, frame.size());
    out.append(frame);
  }
}

v1::Error ErrorProto(const Status& status) {
  v1::Error error;
  error.set_code(static_cast<v1::Error::Code>(status.code()));
  error.set_detail(status.detail());
  error.set_retry_after_ms(status.retry_after_ms());
  return error;
}

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

}  // namespace kring::service
