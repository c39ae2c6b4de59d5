#include "bench/peers/xmpp/wire.h"

namespace kring::bench::xmpp {
namespace {

// The RFC 7395 framing namespace, carried by <open/> and <close/>.
constexpr std::string_view kFraming = "urn:ietf:params:xml:ns:xmpp-framing";

std::string Cat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  std::string s;
  s.reserve(n);
  for (std::string_view p : parts) s.append(p);
  return s;
}

}  // namespace

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16 |
                       static_cast<uint8_t>(bytes[i + 1]) << 8 | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += rest == 2 ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

int MemberOfOccupant(std::string_view from) {
  const size_t slash = from.rfind('/');
  if (slash == std::string_view::npos || slash + 2 > from.size() || from[slash + 1] != 'm') {
    return -1;
  }
  int member = 0;
  for (size_t i = slash + 2; i < from.size(); ++i) {
    if (from[i] < '0' || from[i] > '9' || member > 1'000'000) return -1;
    member = member * 10 + (from[i] - '0');
  }
  return slash + 2 == from.size() ? -1 : member;
}

std::string OpenFrame(std::string_view domain) {
  return Cat({"<open xmlns=\"", kFraming, "\" to=\"", domain, "\" version=\"1.0\"/>"});
}

std::string CloseFrame() { return Cat({"<close xmlns=\"", kFraming, "\"/>"}); }

std::string PlainAuthFrame(std::string_view user, std::string_view password) {
  std::string message;
  message.push_back('\0');
  message.append(user);
  message.push_back('\0');
  message.append(password);
  return Cat({"<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">",
              Base64(message), "</auth>"});
}

std::string BindFrame(std::string_view resource, std::string_view id) {
  return Cat({"<iq xmlns=\"jabber:client\" type=\"set\" id=\"", id,
              "\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>", resource,
              "</resource></bind></iq>"});
}

std::string JoinFrame(std::string_view room_jid, std::string_view nick) {
  return Cat({"<presence xmlns=\"jabber:client\" to=\"", room_jid, "/", nick,
              "\"><x xmlns=\"http://jabber.org/protocol/muc\"><history maxstanzas=\"0\"/>"
              "</x></presence>"});
}

std::string MamCountFrame(std::string_view room_jid, std::string_view id) {
  return Cat({"<iq xmlns=\"jabber:client\" type=\"set\" to=\"", room_jid, "\" id=\"", id,
              "\"><query xmlns=\"urn:xmpp:mam:2\"><set xmlns=\"http://jabber.org/protocol/rsm\">"
              "<max>0</max></set></query></iq>"});
}

std::string GroupchatFrame(std::string_view room_jid, std::string_view id, std::string_view body) {
  return Cat({"<message xmlns=\"jabber:client\" to=\"", room_jid, "\" type=\"groupchat\" id=\"", id,
              "\"><body>", body, "</body></message>"});
}

}  // namespace kring::bench::xmpp
