// Tests client-sdk/cli/consent_output.cc, whose functions output.h declares.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "client-sdk/cli/output.h"

namespace kring::cli {
namespace {

constexpr int64_t kStart = 1798736400000;  // 2026-12-31T17:00:00.000Z

v1::Consent Record() {
  v1::Consent c;
  c.set_id(12);
  c.set_network_id(4);
  c.set_grantee_id(7);
  c.set_grantee_handle("jo");
  c.set_client_id(2);
  c.set_recorded_by(9);
  c.set_recorded_by_handle("sam");
  c.set_by_representative(true);
  c.set_status(v1::CONSENT_STATUS_ACTIVE);
  c.set_supersedes(10);
  c.set_reason("granted");
  v1::ConsentProvision* p = c.mutable_provision();
  p->add_thread_ids(5);
  p->add_thread_ids(8);
  p->add_actions(v1::CONSENT_ACTION_READ);
  p->add_actions(v1::CONSENT_ACTION_POST);
  p->set_start_ms(kStart);
  p->set_end_ms(kStart + 1000);
  (*c.mutable_hidden_through_seq())[8] = 3;
  (*c.mutable_hidden_through_seq())[5] = 2;
  return c;
}

TEST(ConsentState, FollowsStatusAndPeriod) {
  v1::Consent c = Record();
  EXPECT_EQ(ConsentState(c, kStart - 1), "not yet");
  EXPECT_EQ(ConsentState(c, kStart), "in force");
  EXPECT_EQ(ConsentState(c, kStart + 1000), "expired");
  c.set_status(v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_EQ(ConsentState(c, kStart), "withdrawn");
}

TEST(ConsentText, SaysWhoWhatWhenAndForWhom) {
  EXPECT_EQ(ConsentText(Record(), kStart, Handles{{2, "ruth"}}),
            "#12  jo  threads 5, 8; read, post; history not visible  from "
            "2026-12-31T17:00:00.000Z until 2026-12-31T17:00:01.000Z  in force  recorded by sam "
            "for ruth  granted  supersedes #10");
  v1::Consent c = Record();
  c.set_by_representative(false);
  c.set_supersedes(0);
  c.mutable_provision()->clear_thread_ids();
  c.mutable_provision()->set_all_threads(true);
  c.mutable_provision()->set_history_visible(true);
  c.mutable_provision()->set_end_ms(0);
  EXPECT_EQ(ConsentText(c, kStart, Handles{}, "superseded"),
            "#12  jo  all threads; read, post; history visible  from 2026-12-31T17:00:00.000Z "
            "until withdrawn  superseded  recorded by sam  granted");
}

TEST(ConsentText, NamesTheTeamRecord) {
  v1::Consent c = Record();
  c.set_grantee_id(0);
  c.set_grantee_handle("");
  c.set_by_representative(false);
  c.set_supersedes(0);
  EXPECT_EQ(ConsentText(c, kStart, Handles{}),
            "#12  team  team-only threads allowed  from 2026-12-31T17:00:00.000Z until "
            "2026-12-31T17:00:01.000Z  in force  recorded by sam  granted");
}

TEST(ConsentJson, HasStableFieldsAndSortedHiddenThreads) {
  EXPECT_EQ(ConsentJson(Record(), kStart).str(),
            "{\"id\":12,\"network_id\":4,\"grantee\":\"jo\",\"grantee_id\":7,\"client_id\":2,"
            "\"recorded_by\":\"sam\",\"recorded_by_id\":9,\"by_representative\":true,"
            "\"status\":\"active\",\"state\":\"in_force\",\"all_threads\":false,"
            "\"thread_ids\":[5,8],\"actions\":[\"read\",\"post\"],\"history_visible\":false,"
            "\"start\":\"2026-12-31T17:00:00.000Z\",\"end\":\"2026-12-31T17:00:01.000Z\","
            "\"supersedes\":10,\"recorded_at\":\"\",\"reason\":\"granted\",\"access_since\":\"\","
            "\"hidden_through_seq\":{\"5\":2,\"8\":3}}");
  EXPECT_NE(ConsentJson(Record(), kStart - 1).str().find("\"state\":\"not_yet\""),
            std::string::npos);
}

TEST(MemberText, AddsTheConsentSummary) {
  v1::Member m;
  m.set_handle("jo");
  m.set_role(v1::MEMBER_ROLE_MEMBER);
  m.set_role_label("job coach");
  EXPECT_EQ(MemberText(m, kStart), "jo  member  job coach");
  *m.mutable_consent() = Record();
  EXPECT_EQ(MemberText(m, kStart + 5000),
            "jo  member  job coach  consent #12: threads 5, 8; read, post; history not visible; "
            "from 2026-12-31T17:00:00.000Z until 2026-12-31T17:00:01.000Z; expired");
  m.set_role(v1::MEMBER_ROLE_REPRESENTATIVE);
  m.clear_consent();
  EXPECT_EQ(MemberText(m, kStart), "jo  representative  job coach");
}

}  // namespace
}  // namespace kring::cli
