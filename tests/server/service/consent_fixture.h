// The cast of the consent tests: ruth (the client), jo (a job coach who opened ruth's network and
// coordinates it), amir (a language buddy, not yet a member), the General and a "Werk" thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {

class ConsentTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    client_ = Person("ruth", v1::ACCOUNT_KIND_CLIENT);
    coach_ = Person("jo", v1::ACCOUNT_KIND_MEMBER, "job coach");
    buddy_ = Person("amir", v1::ACCOUNT_KIND_MEMBER, "language buddy");
    network_ = OpenNetwork(*coach_, "ruth");
    general_ = network_.general_thread_id();
    v1::ClientFrame f;
    f.mutable_create_thread()->set_network_id(network_.id());
    f.mutable_create_thread()->set_title("Werk");
    v1::Response r = coach_->Call(f);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
    work_ = r.create_thread().thread().id();
  }

  // Invites amir (by jo) and has `approver` approve with `provision` (null: the default).
  v1::Response InviteBuddy(TestApp& approver, const v1::ConsentProvision* provision = nullptr) {
    v1::ClientFrame invite;
    invite.mutable_invite()->set_network_id(network_.id());
    invite.mutable_invite()->set_invitee_handle("amir");
    v1::Response r = coach_->Call(invite);
    if (r.has_error()) return r;
    v1::ClientFrame approve;
    approve.mutable_approve_invitation()->set_invitation_id(r.invite().invitation().id());
    if (provision) *approve.mutable_approve_invitation()->mutable_provision() = *provision;
    return approver.Call(approve);
  }

  static v1::ConsentProvision Scope(std::vector<uint64_t> threads, bool history = false,
                                    int64_t end_ms = 0) {
    v1::ConsentProvision p;
    p.set_all_threads(threads.empty());
    for (uint64_t t : threads) p.add_thread_ids(t);
    p.add_actions(v1::CONSENT_ACTION_POST);
    p.set_history_visible(history);
    p.set_end_ms(end_ms);
    return p;
  }

  v1::Response Grant(TestApp& by, const std::string& handle, const v1::ConsentProvision& p) {
    v1::ClientFrame f;
    f.mutable_grant_consent()->set_network_id(network_.id());
    f.mutable_grant_consent()->set_grantee_handle(handle);
    *f.mutable_grant_consent()->mutable_provision() = p;
    return by.Call(f);
  }
  v1::Response Withdraw(TestApp& by, const std::string& handle) {
    v1::ClientFrame f;
    f.mutable_withdraw_consent()->set_network_id(network_.id());
    f.mutable_withdraw_consent()->set_grantee_handle(handle);
    return by.Call(f);
  }
  v1::Response Consents(TestApp& by, bool history) {
    v1::ClientFrame f;
    f.mutable_list_consents()->set_network_id(network_.id());
    f.mutable_list_consents()->set_history(history);
    return by.Call(f);
  }
  std::vector<uint64_t> ThreadIds(TestApp& app) {
    v1::ClientFrame f;
    f.mutable_list_threads()->set_network_id(network_.id());
    std::vector<uint64_t> ids;
    const v1::Response r = app.Call(f);
    for (const auto& t : r.list_threads().threads()) ids.push_back(t.id());
    return ids;
  }
  bool GotMessage(TestApp& app) {
    for (const auto& e : app.sink().TakeEvents()) {
      if (e.has_message_posted()) return true;
    }
    return false;
  }

  std::unique_ptr<TestApp> client_, coach_, buddy_;
  v1::Network network_;
  uint64_t general_ = 0, work_ = 0;
};

}  // namespace kring::service::testing
