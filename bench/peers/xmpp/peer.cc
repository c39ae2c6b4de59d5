#include "bench/peers/xmpp/peer.h"

#include <utility>

namespace kring::bench {
namespace {

constexpr char kBindId[] = "bind";

std::string Excerpt(std::string_view frame) {
  constexpr size_t kMax = 300;
  return std::string(frame.substr(0, kMax)) + (frame.size() > kMax ? "..." : "");
}

}  // namespace

XmppPeer::XmppPeer(size_t index, IoThreads& io, int thread, TlsClient& tls, Failure& failure)
    : index_(index), failure_(failure), conn_(io, thread, tls, this) {}

void XmppPeer::Start(const XmppLogin& login, std::function<void(const std::string&)> done) {
  login_ = login;
  started_ = std::move(done);
  conn_.Connect(login_.endpoint, [this](const std::string& error) {
    if (!error.empty()) return SetupDone(error);
    state_ = State::kOpening;
    conn_.Send(xmpp::OpenFrame(login_.domain));
  });
}

void XmppPeer::SetupDone(const std::string& why) {
  if (!started_) return;
  // Which step failed tells a refused login from a refused join or a server that gave up.
  static constexpr const char* kStep[] = {
      "connecting", "opening the stream", "logging in", "restarting the stream",
      "binding",    "joining the room",   "joined"};
  std::exchange(started_, nullptr)(
      why.empty() ? why : std::string(kStep[static_cast<int>(state_)]) + ": " + why);
}

void XmppPeer::Iq(const std::string& frame, const std::string& id,
                  std::function<void(std::string_view)> reply) {
  iqs_.emplace(id, std::move(reply));
  conn_.Send(frame);
}

void XmppPeer::Close(std::function<void()> closed) {
  closing_ = true;
  if (ended_) return closed();
  on_closed_ = std::move(closed);
  if (state_ != State::kIdle) conn_.Send(xmpp::CloseFrame());
  conn_.Close();
}

void XmppPeer::OnFrame(std::string_view frame) {
  if (!xmpp::ScanStanza(frame, &stanza_)) {
    return failure_.Set("xmpp peer " + std::to_string(index_) + ": not XML: " + Excerpt(frame));
  }
  using Kind = xmpp::Stanza::Kind;
  if (state_ != State::kJoined) return SetupFrame(frame);
  switch (stanza_.kind) {
    case Kind::kMessage:
      if (stanza_.type == "error") {
        return failure_.Set("xmpp peer " + std::to_string(index_) +
                            ": an error message: " + Excerpt(frame));
      }
      if (stanza_.type == "groupchat" && !stanza_.body.empty() && listener_ != nullptr) {
        listener_->OnGroupchat(*this, stanza_);
      }
      return;  // subjects and other body-less messages
    case Kind::kIq: {
      auto it = iqs_.find(std::string(stanza_.id));
      if (it == iqs_.end()) return;  // a server request (a ping) or an unknown answer
      auto reply = std::move(it->second);
      iqs_.erase(it);
      return reply(frame);
    }
    case Kind::kStreamError:
    case Kind::kClose:
      if (closing_) return;
      return failure_.Set("xmpp peer " + std::to_string(index_) +
                          ": the server ended the stream: " + Excerpt(frame));
    default:
      return;  // presences of other occupants
  }
}

// The login steps, each waiting for the server's answer to the previous one.
void XmppPeer::SetupFrame(std::string_view frame) {
  using Kind = xmpp::Stanza::Kind;
  const auto fail = [&](const std::string& what) { SetupDone(what + ": " + Excerpt(frame)); };
  if (stanza_.kind == Kind::kStreamError || stanza_.kind == Kind::kClose) {
    return fail("the server ended the stream");
  }
  switch (state_) {
    case State::kOpening:
      if (stanza_.kind != Kind::kFeatures) return;  // the server's <open/>
      if (!xmpp::Contains(frame, ">PLAIN<")) {
        return fail("the server does not offer SASL PLAIN");
      }
      state_ = State::kAuthenticating;
      return conn_.Send(xmpp::PlainAuthFrame(login_.user, login_.password));
    case State::kAuthenticating:
      if (stanza_.kind == Kind::kFailure) return fail("login of " + login_.user + " refused");
      if (stanza_.kind != Kind::kSuccess) return;
      state_ = State::kRestarting;  // RFC 6120 6.4.6: a new stream after SASL
      return conn_.Send(xmpp::OpenFrame(login_.domain));
    case State::kRestarting:
      if (stanza_.kind != Kind::kFeatures) return;
      state_ = State::kBinding;
      return conn_.Send(xmpp::BindFrame("bench", kBindId));
    case State::kBinding:
      if (stanza_.kind != Kind::kIq || stanza_.id != kBindId) return;
      if (stanza_.type != "result") return fail("resource binding failed");
      state_ = State::kJoining;
      return conn_.Send(xmpp::JoinFrame(login_.room_jid, login_.nick));
    case State::kJoining: {
      if (stanza_.kind != Kind::kPresence) return;  // e.g. the room's subject comes later
      const std::string self = login_.room_jid + "/" + login_.nick;
      if (stanza_.from != self) return;  // another occupant's presence
      if (stanza_.type == "error") return fail("joining " + login_.room_jid + " refused");
      // XEP-0045 7.2.3: the self-presence carries status code 110.
      if (!xmpp::Contains(frame, "110")) return;
      state_ = State::kJoined;
      return SetupDone("");
    }
    case State::kIdle:
    case State::kJoined:
      return;
  }
}

void XmppPeer::OnClosed(const std::string& why) {
  ended_ = true;
  const std::string what = why.empty() ? std::string("closed") : why;
  if (started_) SetupDone("connection ended: " + what);
  if (!closing_) {
    failure_.Set("xmpp peer " + std::to_string(index_) + ": connection ended: " + what);
  }
  if (on_closed_) std::exchange(on_closed_, nullptr)();
}

}  // namespace kring::bench
