#include "server/core/audit_summary.h"

#include <gtest/gtest.h>

namespace kring {
namespace {

v1::AuditEvent Event(const std::string& type, uint64_t count = 0) {
  v1::AuditEvent e;
  e.set_event_type(type);
  e.set_outcome(v1::AUDIT_OUTCOME_SUCCESS);
  e.set_thread_id(12);
  e.set_count(count);
  return e;
}

TEST(AuditSummaryTest, SaysWhoDidWhatInPlainWords) {
  EXPECT_EQ(SummarizeAuditEvent(Event("history.read", 12), "Jo (job coach)", "Werk", ""),
            "Jo (job coach) read 12 messages in thread Werk");
  EXPECT_EQ(SummarizeAuditEvent(Event("history.read", 1), "Jo", "Werk", ""),
            "Jo read 1 message in thread Werk");
  EXPECT_EQ(SummarizeAuditEvent(Event("live.ended", 5), "Jo", "Werk", ""),
            "Jo received 5 messages in thread Werk as they were posted");
  EXPECT_EQ(SummarizeAuditEvent(Event("consent.withdrawn"), "Ruth", "", "Amir (buddy)"),
            "Ruth withdrew the consent of Amir (buddy)");
  EXPECT_EQ(SummarizeAuditEvent(Event("consent.expired"), "", "", "Amir"),
            "The consent of Amir ended");
  EXPECT_EQ(SummarizeAuditEvent(Event("members.listed"), "Jo", "", ""),
            "Jo looked at who is in the network");
}

TEST(AuditSummaryTest, ThreadsRefusedTogetherAreCounted) {
  v1::AuditEvent one = Event("live.started", 1);
  one.set_outcome(v1::AUDIT_OUTCOME_DENIED);
  one.set_outcome_detail("thread 12 is not in your consent's scope");
  EXPECT_EQ(SummarizeAuditEvent(one, "Amir", "Werk", ""),
            "Amir was refused (live.started, thread Werk): thread 12 is not in your consent's "
            "scope");
  v1::AuditEvent many = Event("live.started", 40);
  many.set_thread_id(0);
  many.set_outcome(v1::AUDIT_OUTCOME_ERROR);
  many.set_outcome_detail("no such thread in this network");
  EXPECT_EQ(SummarizeAuditEvent(many, "Amir", "", ""),
            "Amir was refused (live.started, 40 threads): no such thread in this network");
}

TEST(AuditSummaryTest, AnAuditorLookingIsSaidPlainlyToo) {
  EXPECT_EQ(SummarizeAuditEvent(Event("audit.queried"), "Audrey", "", ""),
            "Audrey looked at access-log records about you, as an auditor");
}

TEST(AuditSummaryTest, AThreadWithoutATitleIsNamedByNumber) {
  EXPECT_EQ(SummarizeAuditEvent(Event("message.posted"), "Jo", "", ""),
            "Jo posted a message in thread 12");
}

TEST(AuditSummaryTest, ARepresentativeActsForTheClient) {
  v1::AuditEvent e = Event("consent.granted");
  e.set_on_behalf_of(3);
  EXPECT_EQ(SummarizeAuditEvent(e, "Mentor", "", "Amir"),
            "Mentor (for the client) gave consent to Amir");
}

TEST(AuditSummaryTest, APersonOfATeamActsForTheTeam) {
  v1::AuditEvent e = Event("history.read");
  e.set_count(2);
  e.set_for_team_id(900);
  e.set_for_team_name("Wijkteam Noord");
  EXPECT_EQ(SummarizeAuditEvent(e, "Sanne", "Werk", ""),
            "Sanne for team \"Wijkteam Noord\" read 2 messages in thread Werk");
  e.clear_for_team_name();
  EXPECT_EQ(SummarizeAuditEvent(e, "Sanne", "Werk", ""),
            "Sanne for team 900 read 2 messages in thread Werk");
}

TEST(AuditSummaryTest, TheClientIsToldOfEveryStepOfAnAppointment) {
  EXPECT_EQ(SummarizeAuditEvent(Event("representative.requested"), "Admin", "", "Sam (mentor)"),
            "Admin asked to appoint Sam (mentor) as your representative; it takes effect only "
            "when a second admin confirms it");
  EXPECT_EQ(SummarizeAuditEvent(Event("representative.confirmed"), "Beheer", "", "Sam (mentor)"),
            "Beheer confirmed the appointment of Sam (mentor) as your representative: it is in "
            "force");
  EXPECT_EQ(SummarizeAuditEvent(Event("representative.refused"), "Beheer", "", "Sam"),
            "Beheer refused the appointment of Sam as your representative");
  EXPECT_EQ(SummarizeAuditEvent(Event("network.accepted"), "Ruth", "", "Jo (job coach)"),
            "Ruth accepted the network Jo (job coach) opened");
  EXPECT_EQ(SummarizeAuditEvent(Event("network.declined"), "Ruth", "", "Jo"),
            "Ruth declined the network Jo opened");
}

TEST(AuditSummaryTest, ARefusalSaysWhatWasAskedAndWhy) {
  v1::AuditEvent e = Event("history.read");
  e.set_outcome(v1::AUDIT_OUTCOME_DENIED);
  e.set_outcome_detail("may not read history: your consent ended at 2026-03-03T09:00:00Z");
  EXPECT_EQ(SummarizeAuditEvent(e, "Amir", "Werk", ""),
            "Amir was refused (history.read, thread Werk): may not read history: your consent "
            "ended at 2026-03-03T09:00:00Z");
}

}  // namespace
}  // namespace kring
