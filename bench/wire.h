// Zero-copy reading of the few ServerFrame fields the load generator's hot path needs, straight
// from the protobuf wire format, so a delivery costs no allocation and no full parse.
//
// Field numbers are those of proto/kring/v1/kring.proto; frames the hot path does not recognise
// (every other event, setup responses) are parsed the ordinary way by the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kring::bench::wire {

// One field of a message: its number, wire type, and either a varint value or a sub-span.
struct Field {
  uint32_t number = 0;
  uint32_t type = 0;       // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  uint64_t varint = 0;     // type 0
  std::string_view bytes;  // type 2
};

// Walks the fields of one encoded message. Malformed input ends the walk with ok() false.
class Reader {
 public:
  explicit Reader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  // The next field, or nullopt at the end or on malformed input.
  std::optional<Field> Next() {
    if (p_ == end_) return std::nullopt;
    uint64_t key;
    if (!Varint(&key)) return Fail();
    Field f;
    f.number = static_cast<uint32_t>(key >> 3);
    f.type = static_cast<uint32_t>(key & 7);
    switch (f.type) {
      case 0:
        if (!Varint(&f.varint)) return Fail();
        break;
      case 1:
        if (end_ - p_ < 8) return Fail();
        p_ += 8;
        break;
      case 2: {
        uint64_t len;
        if (!Varint(&len) || len > static_cast<uint64_t>(end_ - p_)) return Fail();
        f.bytes = std::string_view(p_, len);
        p_ += len;
        break;
      }
      case 5:
        if (end_ - p_ < 4) return Fail();
        p_ += 4;
        break;
      default:
        return Fail();
    }
    return f;
  }

  bool ok() const { return ok_; }

 private:
  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p_ != end_; shift += 7) {
      uint8_t b = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  std::nullopt_t Fail() {
    ok_ = false;
    p_ = end_;
    return std::nullopt;
  }

  const char* p_;
  const char* end_;
  bool ok_ = true;
};

// The first field `number` of type length-delimited in `message`, if any.
inline std::optional<std::string_view> SubMessage(std::string_view message, uint32_t number) {
  Reader r(message);
  while (auto f = r.Next()) {
    if (f->number == number && f->type == 2) return f->bytes;
  }
  return std::nullopt;
}

// Calls handle(frame) for each ServerFrame a WebSocket message carries: the message itself, or
// each frame of its ServerFrameBatch (ServerFrame.batch = 3 { frames = 1 }), in order. False
// if the batch is malformed.
template <class Handle>
bool ForEachServerFrame(std::string_view message, Handle&& handle) {
  Reader top(message);
  auto first = top.Next();
  if (!first || first->number != 3 || first->type != 2) {
    handle(message);
    return true;
  }
  Reader batch(first->bytes);
  while (auto f = batch.Next()) {
    if (f->number == 1 && f->type == 2) handle(f->bytes);
  }
  return batch.ok();
}

// What the hot path reads from a ServerFrame.
struct HotFrame {
  enum class Kind { kOther, kMessagePosted, kResponse };
  Kind kind = Kind::kOther;
  // kMessagePosted: Message.thread_id, seq, text.
  uint64_t thread_id = 0;
  uint64_t seq = 0;
  std::string_view text;
  // kResponse: request_id; whether Error is set; PostMessageResult.seq (0 if not that result).
  uint64_t request_id = 0;
  bool has_error = false;
  bool has_post_result = false;
  uint64_t post_seq = 0;
};

// ServerFrame { response = 1 | event = 2 }; Event { message_posted = 1 };
// MessagePosted { message = 1 }; Message { thread_id = 2, seq = 3, text = 7 };
// Response { request_id = 1, error = 2, post_message = 42 }; PostMessageResult { seq = 1 }.
inline bool ReadHotFrame(std::string_view frame, HotFrame* out) {
  *out = HotFrame{};
  Reader top(frame);
  while (auto f = top.Next()) {
    if (f->type != 2) continue;
    if (f->number == 2) {
      auto posted = SubMessage(f->bytes, 1);
      if (!posted) return true;  // another event
      auto message = SubMessage(*posted, 1);
      if (!message) return false;
      out->kind = HotFrame::Kind::kMessagePosted;
      Reader m(*message);
      while (auto mf = m.Next()) {
        if (mf->number == 2 && mf->type == 0) out->thread_id = mf->varint;
        if (mf->number == 3 && mf->type == 0) out->seq = mf->varint;
        if (mf->number == 7 && mf->type == 2) out->text = mf->bytes;
      }
      return m.ok();
    }
    if (f->number == 1) {
      out->kind = HotFrame::Kind::kResponse;
      Reader r(f->bytes);
      while (auto rf = r.Next()) {
        if (rf->number == 1 && rf->type == 0) out->request_id = rf->varint;
        if (rf->number == 2 && rf->type == 2) out->has_error = true;
        if (rf->number == 42 && rf->type == 2) {
          out->has_post_result = true;
          Reader pr(rf->bytes);
          while (auto pf = pr.Next()) {
            if (pf->number == 1 && pf->type == 0) out->post_seq = pf->varint;
          }
        }
      }
      return r.ok();
    }
  }
  return top.ok();
}

}  // namespace kring::bench::wire
