// `kring consent` and `kring representative`: who may see what, through the real command line.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/cli_fixture.h"

namespace kring::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

TEST_F(CliTest, ConsentScenario) {
  CliUser admin = User("admin"), ruth = User("ruth"), jo = User("jo"), amir = User("amir"),
          mentor = User("mentor");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  for (auto [handle, kind] : std::vector<std::pair<std::string, std::string>>{
           {"ruth", "client"}, {"jo", "member"}, {"amir", "member"}, {"mentor", "member"}}) {
    CliResult r = admin.Run({"user", "create", handle, "--kind", kind, "--password-stdin"},
                            World::PasswordFor(handle) + "\n");
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  ASSERT_NO_FATAL_FAILURE(LogIn(ruth, "ruth", World::PasswordFor("ruth")));
  ASSERT_NO_FATAL_FAILURE(LogIn(jo, "jo", World::PasswordFor("jo")));
  ASSERT_NO_FATAL_FAILURE(LogIn(amir, "amir", World::PasswordFor("amir")));
  ASSERT_NO_FATAL_FAILURE(LogIn(mentor, "mentor", World::PasswordFor("mentor")));

  // Ruth opens her network, adds a thread, and writes two messages before Jo joins.
  CliResult r = ruth.Run({"--json", "network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string net = std::to_string(JsonNumber(r.out, "id"));
  const std::string general = std::to_string(JsonNumber(r.out, "general_thread_id"));
  r = ruth.Run({"thread", "create", net, "Appointments"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string appointments = r.out.substr(0, r.out.size() - 1);
  for (const char* text : {"Only for me", "Also only for me"}) {
    r = ruth.Run({"send", net, general, text});
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  // Jo is invited; the invitation shows when it expires. Ruth approves it for the general
  // thread only, reading and posting, without history.
  r = ruth.Run({"invite", net, "jo", "--role", "job coach"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string invitation = r.out.substr(0, r.out.size() - 1);
  r = jo.Run({"invitations"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex(invitation + "  " + net +
                                  "  jo  ruth  pending  20[0-9-]+T[0-9:.]+Z  job coach\n"));
  r = jo.Run({"--json", "invitations"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex(".*\"expires_at\":\"20[0-9-]+T[0-9:.]+Z\".*"));
  r = ruth.Run({"approve", invitation, "--threads", general, "--until", "not-a-time"});
  EXPECT_EQ(r.exit_code, 2) << r;  // usage: nothing was sent
  EXPECT_THAT(r.err, HasSubstr("--until must be an RFC 3339 time"));
  r = ruth.Run({"approve", invitation, "--threads", general, "--post"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // The resulting access in one plain line, by thread title.
  EXPECT_EQ(r.out,
            "approved: jo joined: jo may read and post in General; earlier messages hidden; until "
            "withdrawn\n");

  // Jo sees the general thread from the approval on, and is told what is hidden; the other
  // thread is not in Jo's scope.
  r = jo.Run({"send", net, general, "Hello Ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "3\n");
  r = jo.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 2u) << r;
  EXPECT_EQ(Lines(r.out)[0], "(messages 1-2 are not visible to you)");
  EXPECT_THAT(Lines(r.out)[1], StartsWith("3  jo  "));
  r = jo.Run({"--json", "history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 2u) << r;
  EXPECT_EQ(Lines(r.out)[0],
            "{\"network_id\":" + net + ",\"thread_id\":" + general + ",\"hidden_through_seq\":2}");
  r = jo.Run({"history", net, general, "--after", "2"});  // nothing hidden after seq 2
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, StartsWith("3  jo  "));
  r = jo.Run({"history", net, appointments});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
  r = jo.Run({"members", net});  // Jo's own entry shows Jo's consent
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("jo  member  job coach  consent #"));

  // Ruth widens Jo's consent to both threads, until a date.
  r = ruth.Run({"consent", "grant", net, "jo", "--threads", general + "," + appointments, "--post",
                "--until", "2099-01-01T00:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("jo may read and post in General, Appointments; earlier messages "
                                  "hidden; until 2099-01-01\n"
                                  "#[0-9]+  jo  threads " +
                                  general + ", " + appointments +
                                  "; read, post; history not visible  from 20[0-9-]+T[0-9:.]+Z "
                                  "until 2099-01-01T00:00:00.000Z  in force  recorded by ruth  "
                                  "granted  supersedes #[0-9]+\n"));
  r = jo.Run({"history", net, appointments});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"consent", "list", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  // Titles beside the ids.
  EXPECT_THAT(r.out, HasSubstr("  jo  threads " + general + " (General), " + appointments +
                               " (Appointments); read, post"));
  EXPECT_THAT(r.out, HasSubstr("  in force  recorded by ruth  granted"));
  EXPECT_THAT(r.out, Not(HasSubstr("ended")));
  r = ruth.Run({"--json", "consent", "list", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;  // only Jo's current record
  EXPECT_THAT(r.out, HasSubstr("\"grantee\":\"jo\""));
  EXPECT_THAT(r.out, HasSubstr("\"status\":\"active\",\"state\":\"in_force\""));
  EXPECT_THAT(r.out, HasSubstr("\"thread_ids\":[" + general + "," + appointments + "]"));
  EXPECT_THAT(r.out, HasSubstr("\"actions\":[\"read\",\"post\"]"));
  EXPECT_THAT(r.out, HasSubstr("\"end\":\"2099-01-01T00:00:00.000Z\""));
  EXPECT_THAT(r.out, HasSubstr("\"recorded_by\":\"ruth\""));
  r = jo.Run({"consent", "list", net});  // only the client (or a representative) lists
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));

  // Ruth withdraws: Jo's access ends at once; the record says so.
  r = ruth.Run({"consent", "withdraw", net, "jo"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("#[0-9]+  jo  .*  withdrawn  recorded by ruth  withdrawn  "
                                  "supersedes #[0-9]+\n"));
  r = jo.Run({"history", net, general});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));

  // The history is the chain: approved, superseded by the grant, superseded by the withdrawal.
  r = ruth.Run({"consent", "list", net, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  {
    const std::vector<std::string> lines = Lines(r.out);
    ASSERT_EQ(lines.size(), 3u) << r;
    EXPECT_THAT(lines[0], HasSubstr("  jo  threads " + general + " (General); read, post"));
    EXPECT_THAT(lines[0], HasSubstr("  superseded  recorded by ruth  invitation approved"));
    EXPECT_THAT(lines[1], HasSubstr("  superseded  recorded by ruth  granted  supersedes #"));
    EXPECT_THAT(lines[2], HasSubstr("  withdrawn  recorded by ruth  withdrawn  supersedes #"));
    // When each stopped counting: superseded, superseded, withdrawn.
    for (const std::string& line : lines) {
      EXPECT_THAT(line, MatchesRegex(".*  ended 20[0-9-]+T[0-9:.]+Z")) << line;
    }
  }
  r = ruth.Run({"--json", "consent", "list", net, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  {
    const std::vector<std::string> lines = Lines(r.out);
    ASSERT_EQ(lines.size(), 3u) << r;
    EXPECT_EQ(JsonNumber(lines[0], "supersedes"), 0u);
    EXPECT_EQ(JsonNumber(lines[1], "supersedes"), JsonNumber(lines[0], "id"));
    EXPECT_EQ(JsonNumber(lines[2], "supersedes"), JsonNumber(lines[1], "id"));
    EXPECT_THAT(lines[2], HasSubstr("\"status\":\"withdrawn\",\"state\":\"withdrawn\""));
    EXPECT_THAT(lines[2], HasSubstr("\"ended_at\":\"20"));
  }

  // Without --post the line says so in so many words.
  r = ruth.Run({"consent", "grant", net, "jo", "--threads", appointments, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out)[0],
            "jo may read (read only) in Appointments; earlier messages visible; until withdrawn");

  // Team-only threads need the client's consent; the client still sees them and who takes part.
  r = ruth.Run({"consent", "grant", net, "jo", "--post"});  // a new chain: every thread
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  jo  all threads; read, post; history not visible  from "));
  r = jo.Run({"thread", "create", net, "Team talk", "--team-only"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
  r = ruth.Run({"consent", "team-threads", net, "allow"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("#[0-9]+  team  team-only threads allowed  from [^ ]+ until "
                                  "withdrawn  in force  recorded by ruth  .*\n"));
  r = jo.Run({"thread", "create", net, "Team talk", "--team-only"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string team_talk = r.out.substr(0, r.out.size() - 1);
  r = ruth.Run({"threads", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(team_talk + "  0  Team talk  (team-only)  participants: jo\n"));
  EXPECT_THAT(r.out, HasSubstr(general + "  3  General  participants: "));
  r = ruth.Run({"--json", "threads", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"title\":\"Team talk\""));
  EXPECT_THAT(r.out, HasSubstr("\"team_only\":true"));
  EXPECT_THAT(r.out, HasSubstr("\"participants\":[\"jo\"]"));
  r = ruth.Run({"history", net, team_talk});  // the client sees it exists, not what is said
  EXPECT_EQ(r.exit_code, 1) << r;
  r = ruth.Run({"consent", "team-threads", net, "withdraw"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  team  team-only threads allowed  "));
  EXPECT_THAT(r.out, HasSubstr("  withdrawn  recorded by ruth"));
  r = jo.Run({"thread", "create", net, "Another", "--team-only"});
  EXPECT_EQ(r.exit_code, 1) << r;

  // A sensitive thread: Jo, with every thread, no longer reads it until Ruth names it.
  r = jo.Run({"thread", "sensitive", net, appointments, "on"});
  EXPECT_EQ(r.exit_code, 1) << r;  // the client's decision
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
  r = ruth.Run({"thread", "sensitive", net, appointments, "on"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("thread " + appointments + " is sensitive"));
  r = ruth.Run({"thread", "sensitive", net, appointments, "maybe"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = jo.Run({"history", net, appointments});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("sensitive"));
  r = ruth.Run({"threads", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  Appointments  (sensitive)"));
  r = ruth.Run({"consent", "grant", net, "jo", "--all", "--threads", appointments, "--post"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out)[0],
            "jo may read and post in every thread but sensitive ones, and in Appointments; earlier "
            "messages hidden; until withdrawn");
  r = jo.Run({"history", net, appointments});
  EXPECT_EQ(r.exit_code, 0) << r;

  // An admin appoints Mentor as Ruth's representative; Mentor approves Amir and grants him a
  // thread with history, on Ruth's behalf.
  r = mentor.Run({"representative", "appoint", "ruth", "mentor", "--basis", "mentorship"});
  EXPECT_EQ(r.exit_code, 1) << r;  // only an admin appoints
  r = admin.Run({"representative", "appoint", "ruth", "mentor", "--basis", "mentorship"});
  EXPECT_EQ(r.exit_code, 1) << r;  // the basis is a reference: a decision number
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT: "));
  r = admin.Run({"representative", "appoint", "ruth", "mentor", "--basis",
                 "mentorship, municipality decision 2026/7"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("asked: mentor to represent ruth (mentorship, municipality "
                               "decision 2026/7); not in force until a second admin confirms it"));
  r = mentor.Run({"members", net});  // not yet
  EXPECT_EQ(r.exit_code, 1) << r;
  r = admin.Run({"representative", "confirm", "ruth", "mentor"});  // four eyes
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
  CliUser admin2 = User("admin2");
  r = admin.Run({"user", "create", "admin2", "--kind", "admin", "--password-stdin"},
                World::PasswordFor("admin2") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_NO_FATAL_FAILURE(LogIn(admin2, "admin2", World::PasswordFor("admin2")));
  r = admin2.Run({"representative", "list"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("ruth  mentor  pending  admin  mentorship, municipality decision "
                               "2026/7\n"));
  r = admin2.Run({"representative", "confirm", "ruth", "mentor"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("mentor represents ruth \\(mentorship, municipality decision "
                                  "2026/7\\) since 20[0-9-]+T[0-9:.]+Z\n"));
  r = mentor.Run({"invite", net, "amir"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string amir_invitation = r.out.substr(0, r.out.size() - 1);
  r = mentor.Run({"approve", amir_invitation, "--threads", general});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = mentor.Run({"consent", "grant", net, "amir", "--threads", general, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("amir may read \\(read only\\) in General; earlier messages "
                                  "visible; until withdrawn\n"
                                  "#[0-9]+  amir  threads " +
                                  general +
                                  "; read; history visible  from .*  in force  recorded by "
                                  "mentor for ruth  granted  supersedes #[0-9]+\n"));
  r = amir.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, StartsWith("1  ruth  "));  // history visible: nothing hidden
  r = amir.Run({"send", net, general, "May I?"});
  EXPECT_EQ(r.exit_code, 1) << r;  // read only
  r = ruth.Run({"members", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("mentor  representative  "));
  EXPECT_THAT(r.out, HasSubstr("amir  member  -  consent #"));
  r = ruth.Run({"--json", "members", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"role\":\"representative\""));
  EXPECT_THAT(r.out, HasSubstr("\"by_representative\":true"));
  r = ruth.Run({"consent", "list", net, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("recorded by mentor for ruth  invitation approved"));

  // The representation ends: Mentor can no longer act for Ruth.
  r = admin.Run({"--json", "representative", "end", "ruth", "mentor"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "{\"client\":\"ruth\",\"representative\":\"mentor\",\"ended\":true}\n");
  r = mentor.Run({"consent", "list", net});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
}

}  // namespace
}  // namespace kring::integration
