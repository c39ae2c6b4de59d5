// The cast of the team tests (docs/consent.md, "Teams"): the consent tests' cast, an admin, the
// team "Wijkteam Noord" with kees (its coordinator, team lead) and sanne (case manager), and piet
// (case manager, not in the team yet).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {

class TeamTest : public ConsentTest {
 protected:
  void SetUp() override {
    ConsentTest::SetUp();
    admin_ = LoggedIn("admin");
    lead_ = Person("kees", v1::ACCOUNT_KIND_MEMBER, "team lead");
    sanne_ = Person("sanne", v1::ACCOUNT_KIND_MEMBER, "case manager");
    piet_ = Person("piet", v1::ACCOUNT_KIND_MEMBER, "case manager");
    v1::ClientFrame f;
    f.mutable_create_team()->set_name("Wijkteam Noord");
    f.mutable_create_team()->set_organisation("Gemeente");
    v1::Response r = admin_->Call(f);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
    team_ = r.create_team().team();
    ASSERT_FALSE(SetPerson(*admin_, "kees", true).has_error());
    ASSERT_FALSE(SetPerson(*lead_, "sanne").has_error());
  }

  v1::Response SetPerson(TestApp& by, const std::string& handle, bool coordinator = false,
                         int64_t from_ms = 0, int64_t until_ms = 0) {
    v1::ClientFrame f;
    auto* req = f.mutable_set_team_person();
    req->set_team_id(team_.id());
    req->set_handle(handle);
    req->set_coordinator(coordinator);
    req->set_from_ms(from_ms);
    req->set_until_ms(until_ms);
    return by.Call(f);
  }
  v1::Response RemovePerson(TestApp& by, const std::string& handle) {
    v1::ClientFrame f;
    f.mutable_remove_team_person()->set_team_id(team_.id());
    f.mutable_remove_team_person()->set_handle(handle);
    return by.Call(f);
  }
  // Jo invites the team; ruth approves it with `provision` (null: the default).
  v1::Response AdmitTeam(const v1::ConsentProvision* provision = nullptr) {
    v1::ClientFrame invite;
    invite.mutable_invite()->set_network_id(network_.id());
    invite.mutable_invite()->set_team_id(team_.id());
    v1::Response r = coach_->Call(invite);
    if (r.has_error()) return r;
    v1::ClientFrame approve;
    approve.mutable_approve_invitation()->set_invitation_id(r.invite().invitation().id());
    if (provision) *approve.mutable_approve_invitation()->mutable_provision() = *provision;
    return client_->Call(approve);
  }
  v1::Response Exclude(const std::string& handle, bool excluded) {
    v1::ClientFrame f;
    auto* req = f.mutable_set_team_exclusion();
    req->set_network_id(network_.id());
    req->set_team_id(team_.id());
    req->set_handle(handle);
    req->set_excluded(excluded);
    return client_->Call(f);
  }
  v1::Response RemoveTeam(TestApp& by) {
    v1::ClientFrame f;
    f.mutable_remove_member()->set_network_id(network_.id());
    f.mutable_remove_member()->set_team_id(team_.id());
    return by.Call(f);
  }
  v1::Response WithdrawTeam() {
    v1::ClientFrame f;
    f.mutable_withdraw_consent()->set_network_id(network_.id());
    f.mutable_withdraw_consent()->set_team_id(team_.id());
    return client_->Call(f);
  }
  // Whether `app` got AccessEnded before the response to its last-but-`other` request: the
  // frames `by` sent and `app` received are on different connections, so this checks that the
  // AccessEnded was queued to `app` by the time `by` got its response.
  static bool HasAccessEnded(TestApp& app) {
    for (const auto& frame : app.sink().Log()) {
      if (frame.has_event() && frame.event().has_access_ended()) return true;
    }
    return false;
  }

  std::unique_ptr<TestApp> admin_, lead_, sanne_, piet_;
  v1::Team team_;
};

}  // namespace kring::service::testing
