// `kring` for a whole care network: accounts, a network, invitations, messages, in text and --json.
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
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

TEST_F(CliTest, CareNetworkScenario) {
  CliUser admin = User("admin"), ruth = User("ruth"), jo = User("jo"), amir = User("amir");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));

  // The session file is private: directory 0700, file 0600.
  struct stat st {};
  ASSERT_EQ(::stat(admin.home().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((admin.home() + "/session").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  CliResult r = admin.Run({"--json", "whoami"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"handle\":\"admin\""));
  EXPECT_THAT(r.out, HasSubstr("\"kind\":\"admin\""));

  // The admin creates the client and two members.
  r = admin.Run(
      {"user", "create", "ruth", "--kind", "client", "--name", "Ruth", "--password-stdin"},
      World::PasswordFor("ruth") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, StartsWith("created ruth (id "));
  r = admin.Run({"user", "create", "jo", "--kind", "member", "--profession", "job coach",
                 "--password-stdin", "--json"},
                World::PasswordFor("jo") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"handle\":\"jo\""));
  EXPECT_THAT(r.out, HasSubstr("\"kind\":\"member\""));
  EXPECT_THAT(r.out, HasSubstr("\"profession\":\"job coach\""));
  r = admin.Run({"user", "create", "amir", "--kind", "member", "--password-stdin"},
                World::PasswordFor("amir") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;

  ASSERT_NO_FATAL_FAILURE(LogIn(ruth, "ruth", World::PasswordFor("ruth")));
  ASSERT_NO_FATAL_FAILURE(LogIn(jo, "jo", World::PasswordFor("jo")));
  ASSERT_NO_FATAL_FAILURE(LogIn(amir, "amir", World::PasswordFor("amir")));

  // Ruth opens her network; its general thread comes with it.
  r = ruth.Run({"network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string net = r.out.substr(0, r.out.size() - 1);
  r = ruth.Run({"network", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_EQ(std::to_string(JsonNumber(r.out, "id")), net);
  EXPECT_THAT(r.out, HasSubstr("\"client\":\"ruth\",\"general_thread_id\":"));
  EXPECT_THAT(r.out, HasSubstr("\"my_role\":\"client\""));
  const std::string thread = std::to_string(JsonNumber(r.out, "general_thread_id"));

  // Ruth invites Jo; Jo sees the invitation; Ruth approves it.
  r = ruth.Run({"invite", net, "jo", "--role", "job coach"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string invitation = r.out.substr(0, r.out.size() - 1);
  r = jo.Run({"invitations"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // The expiry sits between the state and the free-text role label.
  EXPECT_THAT(r.out, MatchesRegex(invitation + "  " + net +
                                  "  jo  ruth  pending  (20[0-9-]+T[0-9:.]+Z|-)  job coach\n"));
  r = jo.Run({"invitations", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"id\":" + invitation + ",\"network_id\":" + net));
  EXPECT_THAT(r.out, HasSubstr("\"invitee\":\"jo\",\"invited_by\":\"ruth\""));
  EXPECT_THAT(r.out, HasSubstr("\"state\":\"pending\""));
  r = jo.Run({"approve", invitation});
  EXPECT_EQ(r.exit_code, 1) << r;  // only the client approves
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
  r = ruth.Run({"approve", invitation});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"members", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("ruth  client  -\n"));
  EXPECT_THAT(r.out, HasSubstr("jo  member  job coach"));

  // Amir is invited too, and declines.
  r = ruth.Run({"invite", net, "amir"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string amir_invitation = r.out.substr(0, r.out.size() - 1);
  r = amir.Run({"decline", amir_invitation});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = amir.Run({"invitations"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");

  // Jo posts; Ruth reads it in her history, as text and as JSON.
  r = jo.Run({"send", net, thread, "Hello Ruth, \"Monday\"\nat 10?"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "1\n");
  r = ruth.Run({"history", net, thread});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out,
              MatchesRegex("1  jo  20[0-9-]+T[0-9:.]+Z  Hello Ruth, \"Monday\"\\\\nat 10\\?\n"));
  r = ruth.Run({"--json", "history", net, thread});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_THAT(r.out, HasSubstr("\"seq\":1,\"sender\":\"jo\""));
  EXPECT_THAT(r.out, HasSubstr("\"text\":\"Hello Ruth, \\\"Monday\\\"\\nat 10?\""));
  EXPECT_THAT(r.out, HasSubstr("\"thread_id\":" + thread));
  EXPECT_THAT(r.out, HasSubstr("\"network_id\":" + net));
  EXPECT_THAT(r.out, MatchesRegex(".*\"posted_at\":\"20[0-9-]+T[0-9:]+\\.[0-9]{3}Z\".*"));

  // Control characters are escaped in both forms: \u00XX in JSON, \xXX in text (a terminal
  // never sees the raw escape); UTF-8 passes through.
  r = jo.Run({"send", net, thread, "bell\x07 \x1b[31mred\x1b[0m caf\u00e9"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.out, "2\n");
  r = ruth.Run({"history", net, thread, "--after", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  bell\\x07 \\x1b[31mred\\x1b[0m caf\u00e9\n"));
  r = ruth.Run({"history", net, thread, "--after", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"text\":\"bell\\u0007 \\u001b[31mred\\u001b[0m caf\u00e9\""));

  // A resend with the same --id is answered with the original seq.
  r = jo.Run({"send", net, thread, "See you", "--id", "jo-1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"seq\":3"));
  EXPECT_THAT(r.out, HasSubstr("\"duplicate\":false"));
  r = jo.Run({"send", net, thread, "See you", "--id", "jo-1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"seq\":3"));
  EXPECT_THAT(r.out, HasSubstr("\"duplicate\":true"));
  r = ruth.Run({"history", net, thread, "--after", "2", "--limit", "5"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_THAT(r.out, StartsWith("3  jo  "));
  r = ruth.Run({"history", net, thread, "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out).size(), 2u) << r;

  // Ruth tails the thread; a message Jo sends meanwhile arrives.
  {
    const auto deadline = Clock::now() + kWait;
    auto tail = ruth.Start({"--json", "tail", net, thread, "--count", "1"});
    ASSERT_TRUE(tail->ReadUntil(
        [&] { return tail->err().find("kring: tailing") != std::string::npos; }, deadline))
        << tail->err();
    r = jo.Run({"send", net, thread, "live one"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "4\n");
    ASSERT_EQ(tail->Finish(deadline), 0) << tail->out() << tail->err();
    ASSERT_EQ(Lines(tail->out()).size(), 1u) << tail->out();
    EXPECT_THAT(tail->out(), HasSubstr("\"seq\":4,\"sender\":\"jo\""));
    EXPECT_THAT(tail->out(), HasSubstr("\"text\":\"live one\""));
  }

  // Tailing the whole network picks up a thread created meanwhile.
  {
    const auto deadline = Clock::now() + kWait;
    auto tail = ruth.Start({"tail", net, "--count", "1"});
    ASSERT_TRUE(tail->ReadUntil(
        [&] { return tail->err().find("kring: tailing") != std::string::npos; }, deadline))
        << tail->err();
    r = jo.Run({"thread", "create", net, "Appointments"});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
    const std::string appointments = r.out.substr(0, r.out.size() - 1);
    r = jo.Run({"send", net, appointments, "Dentist on Friday"});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_EQ(tail->Finish(deadline), 0) << tail->out() << tail->err();
    EXPECT_THAT(tail->out(), MatchesRegex(appointments + "  1  jo  [^ ]+  Dentist on Friday\n"));
    r = ruth.Run({"threads", net});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr(thread + "  4  General"));
    EXPECT_THAT(r.out, HasSubstr(appointments + "  1  Appointments"));
    // C1 controls (U+009B is a CSI) and bidi overrides are escaped in text too, as \uXXXX; the
    // right-to-left mark Arabic text uses passes through.
    r = jo.Run({"send", net, appointments, "csi\u009b31m rlo\u202Eko \u0645\u200F"});
    ASSERT_EQ(r.exit_code, 0) << r;
    r = ruth.Run({"history", net, appointments, "--after", "1"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr("  csi\\u009b31m rlo\\u202eko \u0645\u200F\n"));
  }

  r = ruth.Run({"mark-read", net, thread, "4"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "4\n");
  r = ruth.Run({"mark-read", net, thread, "2", "--json"});  // markers only move forward
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"handle\":\"ruth\",\"seq\":4"));

  // Ruth removes Jo: Jo's running tail ends with the loss of access, and Jo's history is
  // refused by the server.
  {
    const auto deadline = Clock::now() + kWait;
    auto tail = jo.Start({"tail", net});
    ASSERT_TRUE(tail->ReadUntil(
        [&] { return tail->err().find("kring: tailing") != std::string::npos; }, deadline))
        << tail->err();
    r = ruth.Run({"remove", net, "jo"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(tail->Finish(deadline), 1) << tail->out() << tail->err();
    EXPECT_THAT(tail->err(), HasSubstr("PERMISSION_DENIED: access to network " + net + " ended"));
  }
  r = jo.Run({"history", net, thread});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));

  // The access log is for auditors: an admin does not read it.
  r = admin.Run({"--json", "audit", "verify"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: only an auditor reads the access log"));

  // Logging out forgets the token and ends the session at the server: a copy of the old
  // session file no longer works.
  const std::string session_file = amir.home() + "/session";
  std::string saved;
  std::getline(std::ifstream(session_file), saved, '\0');
  ASSERT_THAT(saved, HasSubstr("token="));
  r = amir.Run({"logout"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = amir.Run({"whoami"});
  EXPECT_EQ(r.exit_code, 2) << r;  // not logged in
  EXPECT_THAT(r.err, HasSubstr("not logged in"));
  std::ofstream(session_file) << saved;
  r = amir.Run({"whoami"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED: "));
  // Logging out of a session that already ended just forgets it.
  r = amir.Run({"logout"});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = amir.Run({"whoami"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("not logged in"));
}

// The consent model (docs/consent.md) through the command line: an approval that is a scoped
// consent, hidden history, grant, list, withdraw, the supersession chain, team-only threads,
// and a representative acting for the client.

}  // namespace
}  // namespace kring::integration
