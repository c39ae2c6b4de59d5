#include <gtest/gtest.h>

#include <string>

#include "client-sdk/cli/output.h"

namespace kring::cli {
namespace {

TEST(Hex, LowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(Hex(""), "");
  EXPECT_EQ(Hex(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
}

TEST(Base64, Rfc4648TestVectors) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
      {std::string("\xff\xfe\x00", 3), "//4A"},
  };
  for (const auto& [bytes, want] : cases) EXPECT_EQ(Base64(bytes), want) << bytes;
}

TEST(AuditNames, ActionsAndOutcomesRoundTrip) {
  for (auto a : {v1::AUDIT_ACTION_CREATE, v1::AUDIT_ACTION_READ, v1::AUDIT_ACTION_UPDATE,
                 v1::AUDIT_ACTION_DELETE, v1::AUDIT_ACTION_EXECUTE}) {
    v1::AuditAction parsed = v1::AUDIT_ACTION_UNSPECIFIED;
    ASSERT_TRUE(ParseAction(ActionName(a), &parsed)) << a;
    EXPECT_EQ(parsed, a);
  }
  for (auto o : {v1::AUDIT_OUTCOME_SUCCESS, v1::AUDIT_OUTCOME_DENIED, v1::AUDIT_OUTCOME_ERROR}) {
    v1::AuditOutcome parsed = v1::AUDIT_OUTCOME_UNSPECIFIED;
    ASSERT_TRUE(ParseOutcome(OutcomeName(o), &parsed)) << o;
    EXPECT_EQ(parsed, o);
  }
  v1::AuditAction action;
  v1::AuditOutcome outcome;
  EXPECT_FALSE(ParseAction("", &action));
  EXPECT_FALSE(ParseAction("READ", &action));
  EXPECT_FALSE(ParseOutcome("denied ", &outcome));
}

v1::AuditEvent HistoryRead() {
  v1::AuditEvent e;
  e.set_seq(42);
  e.set_time_ms(1798736400123);
  e.set_action(v1::AUDIT_ACTION_READ);
  e.set_event_type("history.read");
  e.set_outcome(v1::AUDIT_OUTCOME_SUCCESS);
  e.set_actor_id(7);
  e.set_actor_handle("jo");
  e.set_actor_kind(v1::ACCOUNT_KIND_MEMBER);
  e.set_actor_role(v1::MEMBER_ROLE_MEMBER);
  e.set_actor_profession("job coach");
  e.set_client_id(3);
  e.set_network_id(1);
  e.set_thread_id(2);
  e.set_seq_from(4);
  e.set_seq_to(6);
  e.set_count(3);
  e.set_consent_id(9);
  e.set_source_address("127.0.0.1");
  e.set_app("kring-cli/0.1");
  e.set_server_id("kring-test");
  e.set_prev_hash(std::string("\x01\xab", 2));
  return e;
}

TEST(AuditEventText, OneLineWithTimeOutcomeTypeActorAndObject) {
  EXPECT_EQ(AuditEventText(HistoryRead()),
            "#42  2026-12-31T17:00:00.123Z  success  history.read  jo (member)  client 3, "
            "network 1, thread 2, seq 4-6, count 3, consent #9");

  v1::AuditEvent denied;
  denied.set_seq(5);
  denied.set_time_ms(1798736400000);
  denied.set_event_type("history.read");
  denied.set_outcome(v1::AUDIT_OUTCOME_DENIED);
  denied.set_outcome_detail("not a member\nof this network");
  denied.set_actor_handle("amir");
  denied.set_actor_kind(v1::ACCOUNT_KIND_MEMBER);
  EXPECT_EQ(AuditEventText(denied),
            "#5  2026-12-31T17:00:00.000Z  denied  history.read  amir (member)  -  "
            "(not a member\\nof this network)");

  v1::AuditEvent by_representative;
  by_representative.set_actor_handle("mentor");
  by_representative.set_actor_role(v1::MEMBER_ROLE_REPRESENTATIVE);
  by_representative.set_on_behalf_of(3);
  by_representative.set_object_handle("jo");
  by_representative.set_object_id(7);
  EXPECT_EQ(AuditActorText(by_representative), "mentor (representative) for account 3");
  EXPECT_EQ(AuditObjectText(by_representative), "object jo");

  v1::AuditEvent nobody;  // e.g. a login with an unknown handle
  EXPECT_EQ(AuditActorText(nobody), "-");
}

TEST(AuditEventJson, EveryFieldSnakeCaseWithRfc3339TimeAndHexHash) {
  EXPECT_EQ(AuditEventJson(HistoryRead()).str(),
            "{\"seq\":42,\"time\":\"2026-12-31T17:00:00.123Z\",\"action\":\"read\","
            "\"event_type\":\"history.read\",\"outcome\":\"success\",\"outcome_detail\":\"\","
            "\"actor_id\":7,\"actor\":\"jo\",\"actor_kind\":\"member\",\"actor_role\":\"member\","
            "\"actor_profession\":\"job coach\",\"on_behalf_of\":0,\"client_id\":3,"
            "\"network_id\":1,\"thread_id\":2,\"seq_from\":4,\"seq_to\":6,\"count\":3,"
            "\"consent_id\":9,\"object_id\":0,\"object_handle\":\"\","
            "\"source_address\":\"127.0.0.1\",\"app\":\"kring-cli/0.1\","
            "\"server_id\":\"kring-test\",\"prev_hash\":\"01ab\",\"prev_client_seq\":0,"
            "\"prev_actor_seq\":0,\"requested_thread_id\":0}");
}

TEST(AccessLogEntry, AddsTheServersPlainSummary) {
  v1::AccessLogEntry entry;
  *entry.mutable_event() = HistoryRead();
  entry.set_summary("Jo (job coach) read 3 messages in thread Werk");
  entry.set_actor_display_name("Jo (job coach)");
  entry.set_thread_title("Werk");
  EXPECT_EQ(AccessLogEntryText(entry),
            AuditEventText(entry.event()) + "  Jo (job coach) read 3 messages in thread Werk");
  const std::string json = AccessLogEntryJson(entry).str();
  EXPECT_NE(json.find("\"seq\":42,"), std::string::npos) << json;
  EXPECT_NE(json.find(",\"summary\":\"Jo (job coach) read 3 messages in thread Werk\","
                      "\"actor_display_name\":\"Jo (job coach)\",\"thread_title\":\"Werk\"}"),
            std::string::npos)
      << json;
}

TEST(Verify, IntactOrWhereItBroke) {
  v1::VerifyAuditChainResult v;
  v.set_intact(true);
  v.set_records(12);
  v.set_head_hash(std::string("\xde\xad", 2));
  EXPECT_EQ(VerifyText(v), "intact: 12 records, head dead");
  EXPECT_EQ(VerifyJson(v).str(),
            "{\"intact\":true,\"records\":12,\"first_bad_seq\":0,\"problem\":\"\","
            "\"head_hash\":\"dead\",\"repaired_records\":0}");
  v.set_intact(false);
  v.set_first_bad_seq(7);
  v.set_problem("prev_hash does not match record 6");
  EXPECT_EQ(VerifyText(v), "broken at record 7 of 12: prev_hash does not match record 6");
}

TEST(Checkpoint, HashAndSignatureBase64InJson) {
  v1::AuditCheckpoint c;
  c.set_server_id("kring-1");
  c.set_count(12);
  c.set_head_hash("foo");
  c.set_time_ms(1798736400000);
  c.set_algorithm("Ed25519");
  c.set_signature("foobar");
  c.set_public_key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  EXPECT_EQ(CheckpointJson(c).str(),
            "{\"server_id\":\"kring-1\",\"count\":12,\"head_hash\":\"Zm9v\","
            "\"time\":\"2026-12-31T17:00:00.000Z\",\"time_ms\":1798736400000,"
            "\"algorithm\":\"Ed25519\",\"signature\":\"Zm9vYmFy\",\"public_key_pem\":"
            "\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\"}");
  EXPECT_EQ(CheckpointText(c),
            "server_id  kring-1\ncount  12\nhead_hash  666f6f\ntime  2026-12-31T17:00:00.000Z "
            "(1798736400000)\nalgorithm  Ed25519\nsignature  Zm9vYmFy\n"
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----");
}

}  // namespace
}  // namespace kring::cli
