#include "tests/integration/world.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace kring::integration {

using Clock = std::chrono::steady_clock;

std::unique_ptr<sdk::Connection> World::Connect() const {
  return Must(sdk::Connection::Open(kringd_.ConnectOptions()), "connect to kringd");
}

std::unique_ptr<sdk::FrameChannel> World::ConnectRaw() const {
  return Must(sdk::FrameChannel::Open(kringd_.ConnectOptions()), "connect raw channel to kringd");
}

std::unique_ptr<sdk::FrameChannel> World::ConnectRawAs(const Person& p) const {
  auto channel = ConnectRaw();
  v1::ClientFrame login;
  login.set_request_id(1);
  login.mutable_login()->set_handle(p.handle);
  login.mutable_login()->set_password(p.password);
  std::optional<v1::Response> r = RawCall(*channel, login);
  if (!r || r->has_error() || !r->has_login()) {
    throw std::runtime_error("raw login of " + p.handle +
                             " failed: " + (r ? r->DebugString() : "no response"));
  }
  return channel;
}

Person& World::admin() {
  if (!admin_) {
    Person p;
    p.handle = KringdProcess::kAdminHandle;
    p.password = KringdProcess::kAdminPassword;
    LogIn(p);
    admin_ = std::move(p);
  }
  return *admin_;
}

Person& World::second_admin() {
  if (!second_admin_) second_admin_ = AddAccount("admin2", v1::ACCOUNT_KIND_ADMIN);
  return *second_admin_;
}

Person World::AddAccount(const std::string& handle, v1::AccountKind kind,
                         const std::string& profession) {
  Person p;
  p.handle = handle;
  p.password = PasswordFor(handle);
  p.account = Must(admin()->CreateAccount(handle, kind, p.password, "Test " + handle, profession),
                   "create account " + handle)
                  .account();
  LogIn(p);
  return p;
}

Person World::AddClient(const std::string& handle) {
  return AddAccount(handle, v1::ACCOUNT_KIND_CLIENT);
}

Person World::AddMember(const std::string& handle, const std::string& profession) {
  return AddAccount(handle, v1::ACCOUNT_KIND_MEMBER, profession);
}

void World::LogIn(Person& p) const {
  p.conn = Connect();
  v1::LoginResult login = Must(p->Login(p.handle, p.password), "login " + p.handle);
  p.token = login.token();
  p.account = login.account();
}

void World::Resume(Person& p) const {
  p.conn = Connect();
  Must(p->ResumeSession(p.token), "resume session of " + p.handle);
}

v1::Network World::OpenNetwork(Person& client, const std::vector<Person*>& members) {
  v1::Network network =
      Must(client->OpenNetwork(client.handle), "open network of " + client.handle).network();
  for (Person* m : members) {
    v1::Invitation inv = Must(client->Invite(network.id(), m->handle, m->account.profession()),
                              "invite " + m->handle)
                             .invitation();
    Must(client->ApproveInvitation(inv.id()), "approve invitation of " + m->handle);
  }
  return network;
}

Person World::AddRepresentative(const Person& client, const std::string& handle,
                                const std::string& basis) {
  Person p = AddMember(handle, "mentor");
  Must(admin()->AppointRepresentative(client.handle, handle, basis),
       "appoint " + handle + " representative of " + client.handle);
  Must(second_admin()->ConfirmRepresentative(client.handle, handle),
       "confirm " + handle + " representative of " + client.handle);
  return p;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

v1::Consent GrantConsent(Person& by, uint64_t network_id, const std::string& grantee,
                         const sdk::Grant& grant) {
  return Must(by->GrantConsent(network_id, grantee, sdk::ToProvision(grant)),
              by.handle + " grants consent to '" + grantee + "'")
      .consent();
}

v1::Consent WithdrawConsent(Person& by, uint64_t network_id, const std::string& grantee) {
  return Must(by->WithdrawConsent(network_id, grantee),
              by.handle + " withdraws the consent of '" + grantee + "'")
      .consent();
}

sdk::Result<v1::SubscribeResult> SubscribeTo(Person& p, uint64_t network_id,
                                             const std::vector<uint64_t>& thread_ids,
                                             uint64_t after_seq) {
  std::vector<v1::ThreadCursor> cursors;
  for (uint64_t id : thread_ids) {
    v1::ThreadCursor& c = cursors.emplace_back();
    c.set_thread_id(id);
    c.set_after_seq(after_seq);
  }
  return p->Subscribe(network_id, cursors);
}

std::optional<v1::ThreadSubscription> FindThread(const v1::SubscribeResult& sub,
                                                 uint64_t thread_id) {
  for (const v1::ThreadSubscription& ts : sub.threads()) {
    if (ts.thread_id() == thread_id) return ts;
  }
  return std::nullopt;
}

::testing::AssertionResult SubscribeDenied(const sdk::Result<v1::SubscribeResult>& r,
                                           uint64_t thread_id) {
  if (!r.ok()) return IsError(r, v1::Error::PERMISSION_DENIED);
  std::optional<v1::ThreadSubscription> ts = FindThread(*r, thread_id);
  if (!ts) return ::testing::AssertionFailure() << "no entry for thread " << thread_id;
  if (ts->error().code() != v1::Error::PERMISSION_DENIED) {
    return ::testing::AssertionFailure()
           << "thread " << thread_id
           << " subscribed; expected PERMISSION_DENIED: " << ts->DebugString();
  }
  return ::testing::AssertionSuccess();
}

uint64_t ThreadHead(Person& p, uint64_t network_id, uint64_t thread_id) {
  return Must(p->FetchHistory(network_id, thread_id, 0, 1), p.handle + " reads the thread head")
      .last_seq();
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);  // bounded by the deadline
  }
}

std::optional<v1::Event> WaitForEvent(sdk::Connection& conn,
                                      const std::function<bool(const v1::Event&)>& match,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<v1::Event> e = conn.NextEvent(left);
    if (!e) {
      if (conn.closed()) return std::nullopt;
      continue;
    }
    if (match(*e)) return e;
  }
}

std::vector<v1::Message> WaitForMessages(sdk::Connection& conn, uint64_t thread_id, size_t count,
                                         std::chrono::milliseconds timeout) {
  std::vector<v1::Message> got;
  const auto deadline = Clock::now() + timeout;
  while (got.size() < count) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::optional<v1::Event> e = WaitForEvent(
        conn,
        [&](const v1::Event& ev) {
          return ev.has_message_posted() && ev.message_posted().message().thread_id() == thread_id;
        },
        left);
    if (!e) break;
    got.push_back(e->message_posted().message());
  }
  return got;
}

std::vector<v1::Event> EventsUntilRoundTrip(sdk::Connection& conn) {
  std::vector<v1::Event> events;
  // Events are queued on the io thread before the Response that follows them is handed over.
  sdk::Result<v1::WhoAmIResult> barrier = conn.WhoAmI();
  (void)barrier;  // an error answer is still a barrier; a transport error ends the stream anyway
  while (std::optional<v1::Event> e = conn.NextEvent(0ms)) events.push_back(std::move(*e));
  return events;
}

bool IsMessageIn(const v1::Event& e, uint64_t network_id) {
  return e.has_message_posted() && e.message_posted().message().network_id() == network_id;
}

std::optional<v1::Event> WaitForEventOfKind(sdk::Connection& conn, v1::Event::EventCase kind,
                                            std::chrono::milliseconds timeout) {
  return WaitForEvent(
      conn, [kind](const v1::Event& e) { return e.event_case() == kind; }, timeout);
}

std::optional<v1::AccessEnded> WaitForAccessEnded(sdk::Connection& conn, uint64_t network_id,
                                                  std::chrono::milliseconds timeout) {
  std::optional<v1::Event> e = WaitForEvent(
      conn,
      [network_id](const v1::Event& ev) {
        return ev.has_access_ended() && ev.access_ended().network_id() == network_id;
      },
      timeout);
  if (!e) return std::nullopt;
  return e->access_ended();
}

bool EndsThread(const v1::AccessEnded& e, uint64_t network_id, uint64_t thread_id) {
  if (e.network_id() != network_id) return false;
  if (e.thread_ids().empty()) return true;
  return std::find(e.thread_ids().begin(), e.thread_ids().end(), thread_id) != e.thread_ids().end();
}

std::optional<v1::Response> NextResponse(sdk::FrameChannel& channel,
                                         std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<v1::ServerFrame> f = channel.NextServerFrame(left);
    if (!f) {
      if (channel.closed()) return std::nullopt;
      continue;
    }
    if (f->has_response()) return f->response();
  }
}

std::optional<v1::Response> RawCall(sdk::FrameChannel& channel, const v1::ClientFrame& frame,
                                    std::chrono::milliseconds timeout) {
  channel.Send(frame);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::optional<v1::Response> r = NextResponse(channel, left);
    if (!r || r->request_id() == frame.request_id()) return r;
  }
}

}  // namespace kring::integration
