// The rule tests' cast over the service, as tests/integration/world.h has it over TLS: ruth (a
// client) opened her network and approved jo (job coach) and amir (language buddy) with the
// default consent, so that a rule checked here reads like the end-to-end test it came from.
// Requests are frames built by the helpers below and sent with TestApp::Call.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {

// --- Checking answers ---

// `r`, or throws with `what` and the error (GoogleTest reports it as the test's failure).
inline v1::Response Must(v1::Response r, std::string_view what) {
  if (r.has_error()) throw std::runtime_error(std::string(what) + ": " + r.error().DebugString());
  return r;
}

inline ::testing::AssertionResult IsOk(const v1::Response& r) {
  if (!r.has_error()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.error().DebugString();
}

// An answer with error `code` (not a success, not a closed connection's INTERNAL).
inline ::testing::AssertionResult IsError(const v1::Response& r, v1::Error::Code code) {
  if (!r.has_error()) {
    return ::testing::AssertionFailure() << "succeeded; expected " << v1::Error::Code_Name(code);
  }
  if (r.error().code() != code) {
    return ::testing::AssertionFailure()
           << "got " << r.error().DebugString() << "; expected " << v1::Error::Code_Name(code);
  }
  return ::testing::AssertionSuccess();
}

// --- Consent provisions, as the SDK's kring::sdk::Grant and ToProvision make them ---

struct Grant {
  std::vector<uint64_t> thread_ids;  // empty: every thread (also later ones)
  bool post = true;
  bool coordinate = false;
  bool history = false;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

inline v1::ConsentProvision ToProvision(const Grant& grant) {
  v1::ConsentProvision p;
  p.set_all_threads(grant.thread_ids.empty());
  for (uint64_t id : grant.thread_ids) p.add_thread_ids(id);
  p.add_actions(v1::CONSENT_ACTION_READ);
  if (grant.post) p.add_actions(v1::CONSENT_ACTION_POST);
  if (grant.coordinate) p.add_actions(v1::CONSENT_ACTION_COORDINATE);
  p.set_history_visible(grant.history);
  p.set_start_ms(grant.start_ms);
  p.set_end_ms(grant.end_ms);
  return p;
}

inline v1::ConsentProvision TeamThreadsProvision() {
  v1::ConsentProvision p;
  p.add_actions(v1::CONSENT_ACTION_TEAM_THREADS);
  return p;
}

// --- Request frames ---

namespace frames {

inline v1::ClientFrame WhoAmI() {
  v1::ClientFrame f;
  f.mutable_who_am_i();
  return f;
}
inline v1::ClientFrame ListNetworks() {
  v1::ClientFrame f;
  f.mutable_list_networks();
  return f;
}
inline v1::ClientFrame OpenNetwork(const std::string& client) {
  v1::ClientFrame f;
  f.mutable_open_network()->set_client_handle(client);
  return f;
}
inline v1::ClientFrame ListMembers(uint64_t n) {
  v1::ClientFrame f;
  f.mutable_list_members()->set_network_id(n);
  return f;
}
inline v1::ClientFrame ListThreads(uint64_t n) {
  v1::ClientFrame f;
  f.mutable_list_threads()->set_network_id(n);
  return f;
}
inline v1::ClientFrame CreateThread(uint64_t n, const std::string& title, bool team_only = false) {
  v1::ClientFrame f;
  f.mutable_create_thread()->set_network_id(n);
  f.mutable_create_thread()->set_title(title);
  f.mutable_create_thread()->set_team_only(team_only);
  return f;
}
inline v1::ClientFrame PostMessage(uint64_t n, uint64_t t, const std::string& client_msg_id,
                                   const std::string& text) {
  v1::ClientFrame f;
  f.mutable_post_message()->set_network_id(n);
  f.mutable_post_message()->set_thread_id(t);
  f.mutable_post_message()->set_client_msg_id(client_msg_id);
  f.mutable_post_message()->set_text(text);
  return f;
}
inline v1::ClientFrame FetchHistory(uint64_t n, uint64_t t, uint64_t after_seq = 0,
                                    uint32_t limit = 0) {
  v1::ClientFrame f;
  f.mutable_fetch_history()->set_network_id(n);
  f.mutable_fetch_history()->set_thread_id(t);
  f.mutable_fetch_history()->set_after_seq(after_seq);
  f.mutable_fetch_history()->set_limit(limit);
  return f;
}
// Subscribes to each of `threads` after `after_seq`.
inline v1::ClientFrame Subscribe(uint64_t n, const std::vector<uint64_t>& threads,
                                 uint64_t after_seq = 0) {
  v1::ClientFrame f;
  f.mutable_subscribe()->set_network_id(n);
  for (uint64_t t : threads) {
    v1::ThreadCursor* c = f.mutable_subscribe()->add_threads();
    c->set_thread_id(t);
    c->set_after_seq(after_seq);
  }
  return f;
}
inline v1::ClientFrame MarkRead(uint64_t n, uint64_t t, uint64_t seq) {
  v1::ClientFrame f;
  f.mutable_mark_read()->set_network_id(n);
  f.mutable_mark_read()->set_thread_id(t);
  f.mutable_mark_read()->set_seq(seq);
  return f;
}
inline v1::ClientFrame ListReadMarkers(uint64_t n, uint64_t t) {
  v1::ClientFrame f;
  f.mutable_list_read_markers()->set_network_id(n);
  f.mutable_list_read_markers()->set_thread_id(t);
  return f;
}
inline v1::ClientFrame Invite(uint64_t n, const std::string& handle, const std::string& role) {
  v1::ClientFrame f;
  f.mutable_invite()->set_network_id(n);
  f.mutable_invite()->set_invitee_handle(handle);
  f.mutable_invite()->set_role_label(role);
  return f;
}
inline v1::ClientFrame ListInvitations() {
  v1::ClientFrame f;
  f.mutable_list_invitations();
  return f;
}
// An empty provision stays unset, as the SDK sends it, so that the service applies its default.
inline v1::ClientFrame ApproveInvitation(uint64_t id, const v1::ConsentProvision* p = nullptr) {
  v1::ClientFrame f;
  f.mutable_approve_invitation()->set_invitation_id(id);
  if (p && p->ByteSizeLong() != 0) *f.mutable_approve_invitation()->mutable_provision() = *p;
  return f;
}
inline v1::ClientFrame DeclineInvitation(uint64_t id) {
  v1::ClientFrame f;
  f.mutable_decline_invitation()->set_invitation_id(id);
  return f;
}
inline v1::ClientFrame RemoveMember(uint64_t n, const std::string& handle) {
  v1::ClientFrame f;
  f.mutable_remove_member()->set_network_id(n);
  f.mutable_remove_member()->set_handle(handle);
  return f;
}
inline v1::ClientFrame GrantConsent(uint64_t n, const std::string& grantee,
                                    const v1::ConsentProvision& p) {
  v1::ClientFrame f;
  f.mutable_grant_consent()->set_network_id(n);
  f.mutable_grant_consent()->set_grantee_handle(grantee);
  *f.mutable_grant_consent()->mutable_provision() = p;
  return f;
}
inline v1::ClientFrame WithdrawConsent(uint64_t n, const std::string& grantee) {
  v1::ClientFrame f;
  f.mutable_withdraw_consent()->set_network_id(n);
  f.mutable_withdraw_consent()->set_grantee_handle(grantee);
  return f;
}
inline v1::ClientFrame ListConsents(uint64_t n, bool history = false) {
  v1::ClientFrame f;
  f.mutable_list_consents()->set_network_id(n);
  f.mutable_list_consents()->set_history(history);
  return f;
}
inline v1::ClientFrame CreateAccount(const std::string& handle, v1::AccountKind kind,
                                     const std::string& password) {
  v1::ClientFrame f;
  f.mutable_create_account()->set_handle(handle);
  f.mutable_create_account()->set_kind(kind);
  f.mutable_create_account()->set_password(password);
  return f;
}
inline v1::ClientFrame DisableAccount(const std::string& handle) {
  v1::ClientFrame f;
  f.mutable_disable_account()->set_handle(handle);
  return f;
}
inline v1::ClientFrame AppointRepresentative(const std::string& client, const std::string& rep,
                                             const std::string& basis) {
  v1::ClientFrame f;
  f.mutable_appoint_representative()->set_client_handle(client);
  f.mutable_appoint_representative()->set_representative_handle(rep);
  f.mutable_appoint_representative()->set_basis(basis);
  return f;
}
inline v1::ClientFrame ConfirmRepresentative(const std::string& client, const std::string& rep) {
  v1::ClientFrame f;
  f.mutable_confirm_representative()->set_client_handle(client);
  f.mutable_confirm_representative()->set_representative_handle(rep);
  return f;
}
inline v1::ClientFrame RefuseRepresentative(const std::string& client, const std::string& rep) {
  v1::ClientFrame f;
  f.mutable_refuse_representative()->set_client_handle(client);
  f.mutable_refuse_representative()->set_representative_handle(rep);
  return f;
}
inline v1::ClientFrame ListRepresentations(const std::string& client = {}) {
  v1::ClientFrame f;
  f.mutable_list_representations()->set_client_handle(client);
  return f;
}
inline v1::ClientFrame AcceptNetwork(uint64_t network_id,
                                     const v1::ConsentProvision* provision = nullptr) {
  v1::ClientFrame f;
  f.mutable_accept_network()->set_network_id(network_id);
  if (provision) *f.mutable_accept_network()->mutable_provision() = *provision;
  return f;
}
inline v1::ClientFrame DeclineNetwork(uint64_t network_id) {
  v1::ClientFrame f;
  f.mutable_decline_network()->set_network_id(network_id);
  return f;
}
inline v1::ClientFrame EndRepresentation(const std::string& client, const std::string& rep) {
  v1::ClientFrame f;
  f.mutable_end_representation()->set_client_handle(client);
  f.mutable_end_representation()->set_representative_handle(rep);
  return f;
}

}  // namespace frames

// --- Events ---

// The first event of `app` matching `match`, taken in arrival order within the deadline; the
// events before it are taken too (and appended to `seen` with it, when given).
inline std::optional<v1::Event> WaitForEvent(TestApp& app,
                                             const std::function<bool(const v1::Event&)>& match,
                                             std::vector<v1::Event>* seen = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<v1::Event> e = app.sink().WaitEvent([](const v1::Event&) { return true; }, left);
    if (!e) return std::nullopt;
    if (seen) seen->push_back(*e);
    if (match(*e)) return e;
  }
}

// Every event sent to `app` before the answer to a request made now (a WhoAmI round trip).
inline std::vector<v1::Event> EventsUntilRoundTrip(TestApp& app) {
  app.Call(frames::WhoAmI());
  return app.sink().TakeEvents();
}

inline bool IsMessageIn(const v1::Event& e, uint64_t network_id) {
  return e.has_message_posted() && e.message_posted().message().network_id() == network_id;
}

// Whether `e` ends `thread_id` of `network_id`: the whole network (no thread ids) or that thread.
inline bool EndsThread(const v1::AccessEnded& e, uint64_t network_id, uint64_t thread_id) {
  if (e.network_id() != network_id) return false;
  if (e.thread_ids().empty()) return true;
  return std::find(e.thread_ids().begin(), e.thread_ids().end(), thread_id) != e.thread_ids().end();
}

inline std::optional<v1::ThreadSubscription> FindThread(const v1::SubscribeResult& sub,
                                                        uint64_t thread_id) {
  for (const v1::ThreadSubscription& ts : sub.threads()) {
    if (ts.thread_id() == thread_id) return ts;
  }
  return std::nullopt;
}

// Whether a Subscribe answer refuses `thread_id`: the whole request, or that thread's entry.
inline ::testing::AssertionResult SubscribeDenied(const v1::Response& r, uint64_t thread_id) {
  if (r.has_error()) return IsError(r, v1::Error::PERMISSION_DENIED);
  std::optional<v1::ThreadSubscription> ts = FindThread(r.subscribe(), thread_id);
  if (!ts) return ::testing::AssertionFailure() << "no entry for thread " << thread_id;
  if (ts->error().code() != v1::Error::PERMISSION_DENIED) {
    return ::testing::AssertionFailure()
           << "thread " << thread_id
           << " subscribed; expected PERMISSION_DENIED: " << ts->DebugString();
  }
  return ::testing::AssertionSuccess();
}

// --- The cast ---

// Someone with an account and a logged-in app.
struct Actor {
  std::string handle;
  v1::Account account;
  std::unique_ptr<TestApp> app;

  TestApp* operator->() const { return app.get(); }
  TestApp& operator*() const { return *app; }
};

class CareNetworkTest : public ServiceTest {
 protected:
  explicit CareNetworkTest(bool buddy_joins = true) : buddy_joins_(buddy_joins) {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    client_ = AddClient("ruth");
    coach_ = AddMember("jo", "job coach");
    buddy_ = AddMember("amir", "language buddy");
    net_ = buddy_joins_ ? OpenNetworkOf(client_, {&coach_, &buddy_})
                        : OpenNetworkOf(client_, {&coach_});
    thread_ = net_.general_thread_id();
  }

  // A new account of `kind`, logged in on an app of its own.
  Actor AddAccount(const std::string& handle, v1::AccountKind kind,
                   const std::string& profession = {}) {
    StatusOr<v1::Account> created = CreateAccount(handle, kind, profession);
    if (!created.ok()) throw std::runtime_error("create account " + handle);
    return LogIn(handle);
  }
  Actor AddClient(const std::string& handle) { return AddAccount(handle, v1::ACCOUNT_KIND_CLIENT); }
  Actor AddMember(const std::string& handle, const std::string& profession) {
    return AddAccount(handle, v1::ACCOUNT_KIND_MEMBER, profession);
  }
  // `handle` logged in on a new app (another device of the same account).
  Actor LogIn(const std::string& handle) {
    Actor a;
    a.handle = handle;
    a.app = Connect();
    a.account = Must(Login(*a.app, handle), "login " + handle).login().account();
    return a;
  }
  Actor& admin() {
    if (!admin_.app) admin_ = LogIn("admin");
    return admin_;
  }
  // A second admin, who confirms what the first asks (four eyes on representatives).
  Actor& second_admin() {
    if (!second_admin_.app) second_admin_ = AddAccount("admin2", v1::ACCOUNT_KIND_ADMIN);
    return second_admin_;
  }

  // `client` opens a network; each member is invited (role label = their profession) and
  // approved by the client with the default consent.
  v1::Network OpenNetworkOf(Actor& client, const std::vector<Actor*>& members) {
    v1::Network network = Must(client->Call(frames::OpenNetwork(client.handle)), "open network")
                              .open_network()
                              .network();
    for (Actor* m : members) {
      const uint64_t inv =
          Must(client->Call(frames::Invite(network.id(), m->handle, m->account.profession())),
               "invite " + m->handle)
              .invite()
              .invitation()
              .id();
      Must(client->Call(frames::ApproveInvitation(inv)), "approve " + m->handle);
    }
    return network;
  }

  // A member account `handle`, appointed by the admin as the representative of `client` and
  // confirmed by a second admin.
  Actor AddRepresentative(const Actor& client, const std::string& handle) {
    Actor rep = AddMember(handle, "mentor");
    Appoint(client.handle, handle);
    return rep;
  }
  // The admin asks, the second admin confirms.
  void Appoint(const std::string& client, const std::string& rep,
               const std::string& basis = "guardianship, court order 2026/123") {
    Must(admin()->Call(frames::AppointRepresentative(client, rep, basis)), "appoint " + rep);
    Must(second_admin()->Call(frames::ConfirmRepresentative(client, rep)), "confirm " + rep);
  }

  v1::Consent GrantConsent(Actor& by, const std::string& grantee, const Grant& grant) {
    return Must(by->Call(frames::GrantConsent(net_.id(), grantee, ToProvision(grant))),
                by.handle + " grants consent to '" + grantee + "'")
        .grant_consent()
        .consent();
  }
  v1::Consent WithdrawConsent(Actor& by, const std::string& grantee) {
    return Must(by->Call(frames::WithdrawConsent(net_.id(), grantee)),
                by.handle + " withdraws the consent of '" + grantee + "'")
        .withdraw_consent()
        .consent();
  }
  uint64_t PostSeq(Actor& by, uint64_t thread, const std::string& id, const std::string& text) {
    return Must(by->Call(frames::PostMessage(net_.id(), thread, id, text)), "post " + id)
        .post_message()
        .seq();
  }
  uint64_t NewThread(Actor& by, const std::string& title) {
    return Must(by->Call(frames::CreateThread(net_.id(), title)), "create " + title)
        .create_thread()
        .thread()
        .id();
  }

  Actor client_, coach_, buddy_;
  v1::Network net_;
  uint64_t thread_ = 0;

 private:
  const bool buddy_joins_;
  Actor admin_;
  Actor second_admin_;
};

}  // namespace kring::service::testing
