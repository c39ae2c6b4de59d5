// XMPP over WebSocket (RFC 7395) as the load generator needs it: the few frames it sends,
// built as text, and a scanner for the frames it receives.
//
// RFC 7395 puts exactly one complete top-level element in each WebSocket message (<open/>,
// <close/>, a stanza, a SASL or stream-features element), so a frame is scanned on its own,
// with no stream parser. The scanner is no XML parser: it finds the element's name, a few
// attributes of its first tag, the text of <body>, the id of <stanza-id> and so on by searching
// the frame, and returns views into it. It allocates nothing, which keeps the hot path (every
// groupchat delivery) cheap. It accepts both quote styles, as servers differ (ejabberd writes
// attributes in single quotes). Text is returned raw, entities undecoded: the generator reads
// back only hex digits it wrote itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bench/hex_stamp.h"

namespace kring::bench::xmpp {

// What one received frame is.
struct Stanza {
  enum class Kind {
    kOpen,      // <open xmlns="urn:ietf:params:xml:ns:xmpp-framing" .../>
    kClose,     // <close .../>
    kFeatures,  // <stream:features> (or <features>)
    kSuccess,   // SASL <success/>
    kFailure,   // SASL <failure/>
    kIq,
    kPresence,
    kMessage,
    kStreamError,
    kOther,
  };
  Kind kind = Kind::kOther;
  std::string_view type;       // the type attribute ("groupchat", "result", "error", ...)
  std::string_view id;         // the id attribute
  std::string_view from;       // the from attribute
  std::string_view body;       // message: the text of <body>, if any
  std::string_view stanza_id;  // message: <stanza-id id=.../> (XEP-0359), if any
};

// Scans one frame. False if it does not start with an element (whitespace keep-alives are
// scanned as kOther, not as errors).
inline bool ScanStanza(std::string_view frame, Stanza* out);

// The value of attribute `name` in the first tag of `element` (which starts with '<'), or an
// empty view. `name` must not be a suffix of another attribute of that tag that comes first
// ("id" is not matched by "stanza-id=", since a space or tab must precede it).
inline std::string_view Attribute(std::string_view element, std::string_view name);

// The raw text between <tag ...> and </tag> (the first such element), or an empty view.
inline std::string_view ElementText(std::string_view frame, std::string_view tag);

// Whether the frame's first tag contains `needle` (e.g. a mechanism list containing PLAIN).
inline bool Contains(std::string_view frame, std::string_view needle) {
  return frame.find(needle) != std::string_view::npos;
}

// Frames the client sends.
std::string OpenFrame(std::string_view domain);
std::string CloseFrame();
// SASL PLAIN (RFC 4616): authzid empty, authcid = user (the localpart), password.
std::string PlainAuthFrame(std::string_view user, std::string_view password);
std::string BindFrame(std::string_view resource, std::string_view id);
// Joins a MUC room as `nick`, asking for no history (XEP-0045 7.2.14).
std::string JoinFrame(std::string_view room_jid, std::string_view nick);
// A MAM query (XEP-0313) for the room's archive with RSM max 0 (XEP-0059): the server answers
// with no messages and the total count in <fin><set><count>.
std::string MamCountFrame(std::string_view room_jid, std::string_view id);
// A groupchat message to room_jid whose id is `id` and whose body is `body` (hex digits and
// ASCII that needs no escaping: not checked).
std::string GroupchatFrame(std::string_view room_jid, std::string_view id, std::string_view body);

std::string Base64(std::string_view bytes);

// The send time and the message number at the start of each body: kHexDigits, WriteHex16 and
// ReadHex16 of bench/hex_stamp.h, found from this namespace as they are.
// The member number j of an occupant JID "room@muc/m{j}"; -1 if it is not of that form.
int MemberOfOccupant(std::string_view from);

// ----- Implementation of the inline scanners. -----

inline std::string_view Attribute(std::string_view element, std::string_view name) {
  const size_t end = element.find('>');
  const std::string_view tag = element.substr(0, end);
  size_t at = 0;
  for (;;) {
    at = tag.find(name, at);
    if (at == std::string_view::npos) return {};
    const size_t after = at + name.size();
    const bool starts = at > 0 && (tag[at - 1] == ' ' || tag[at - 1] == '\t' ||
                                   tag[at - 1] == '\n' || tag[at - 1] == '\r');
    if (starts && after + 1 < tag.size() && tag[after] == '=' &&
        (tag[after + 1] == '"' || tag[after + 1] == '\'')) {
      const char quote = tag[after + 1];
      const size_t close = tag.find(quote, after + 2);
      if (close == std::string_view::npos) return {};
      return tag.substr(after + 2, close - (after + 2));
    }
    at = after;
  }
}

inline std::string_view ElementText(std::string_view frame, std::string_view tag) {
  size_t at = 0;
  for (;;) {
    at = frame.find(tag, at);
    if (at == std::string_view::npos || at == 0) return {};
    const size_t after = at + tag.size();
    if (frame[at - 1] == '<' && after < frame.size() &&
        (frame[after] == '>' || frame[after] == ' ')) {
      const size_t open_end = frame.find('>', after);
      if (open_end == std::string_view::npos || frame[open_end - 1] == '/') return {};
      // The closing tag: "</" tag ">".
      for (size_t close = frame.find("</", open_end); close != std::string_view::npos;
           close = frame.find("</", close + 2)) {
        if (frame.substr(close + 2, tag.size()) == tag && close + 2 + tag.size() < frame.size() &&
            frame[close + 2 + tag.size()] == '>') {
          return frame.substr(open_end + 1, close - open_end - 1);
        }
      }
      return {};
    }
    at = after;
  }
}

inline bool ScanStanza(std::string_view frame, Stanza* out) {
  *out = Stanza{};
  size_t start = frame.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return true;  // a whitespace keep-alive
  if (frame[start] != '<') return false;
  const std::string_view element = frame.substr(start);
  // The element name: up to a space, '/' or '>'.
  const size_t name_end = element.find_first_of(" \t\r\n/>", 1);
  if (name_end == std::string_view::npos) return false;
  const std::string_view name = element.substr(1, name_end - 1);
  using Kind = Stanza::Kind;
  if (name == "message") {
    out->kind = Kind::kMessage;
    out->body = ElementText(element, "body");
    if (size_t sid = element.find("<stanza-id"); sid != std::string_view::npos) {
      out->stanza_id = Attribute(element.substr(sid), "id");
    }
  } else if (name == "presence") {
    out->kind = Kind::kPresence;
  } else if (name == "iq") {
    out->kind = Kind::kIq;
  } else if (name == "open") {
    out->kind = Kind::kOpen;
  } else if (name == "close") {
    out->kind = Kind::kClose;
  } else if (name == "stream:features" || name == "features") {
    out->kind = Kind::kFeatures;
  } else if (name == "success") {
    out->kind = Kind::kSuccess;
  } else if (name == "failure") {
    out->kind = Kind::kFailure;
  } else if (name == "stream:error" || name == "error") {
    out->kind = Kind::kStreamError;
  }
  out->type = Attribute(element, "type");
  out->id = Attribute(element, "id");
  out->from = Attribute(element, "from");
  return true;
}

}  // namespace kring::bench::xmpp
