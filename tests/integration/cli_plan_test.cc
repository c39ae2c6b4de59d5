// `kring plan ...` and `kring consent grant --plan`: the shared plan (docs/plan.md) through the
// real command line: built by the client, assigned, updated by the assignee, versioned and shown
// at version 1 in plain text.
#include <string>
#include <vector>

#include "tests/integration/cli_fixture.h"

namespace kring::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(CliTest, PlanScenario) {
  CliUser admin = User("admin"), ruth = User("ruth"), amir = User("amir");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  for (auto [handle, kind] :
       std::vector<std::pair<std::string, std::string>>{{"ruth", "client"}, {"amir", "member"}}) {
    CliResult r = admin.Run({"user", "create", handle, "--kind", kind, "--password-stdin"},
                            World::PasswordFor(handle) + "\n");
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  ASSERT_NO_FATAL_FAILURE(LogIn(ruth, "ruth", World::PasswordFor("ruth")));
  ASSERT_NO_FATAL_FAILURE(LogIn(amir, "amir", World::PasswordFor("amir")));
  CliResult r = ruth.Run({"--json", "network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string net = std::to_string(JsonNumber(r.out, "id"));
  r = ruth.Run({"invite", net, "amir"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"approve", r.out.substr(0, r.out.size() - 1), "--post", "--plan", "update"});
  ASSERT_EQ(r.exit_code, 0) << r;

  r = ruth.Run({"plan", "frame", net, "--route", "b1", "--start", "2026-03-01", "--deadline",
                "2029-03-01", "--guidance", "elke twee weken"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"plan", "frame", net, "--start", "2026-03-01", "--deadline", "2025-01-01"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("after the period's start"));
  r = ruth.Run({"plan", "goal", "add", net, "Taalexamen B1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("goal added  goal 1 \"Taalexamen B1\" open"));
  r = ruth.Run({"plan", "action", "add", net, "1", "Oefenexamen lezen", "--to", "amir", "--due",
                "2026-05-01"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"plan", "version", net, "--reason", "intake"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("version 1 (intake)"));
  r = ruth.Run({"plan", "acknowledge", net, "1"});
  ASSERT_EQ(r.exit_code, 0) << r;

  r = amir.Run({"plan", "action", "set", net, "2", "--status", "done", "--note", "gehaald"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = amir.Run({"plan", "action", "set", net, "2", "--due", "2026-06-01"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("status and note"));

  r = amir.Run({"plan", "show", net, "--version", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("version 1 (intake"));
  EXPECT_THAT(r.out, HasSubstr("Acknowledged"));
  EXPECT_THAT(r.out, HasSubstr("2. [open] Oefenexamen lezen - amir, due 2026-05-01"));
  r = ruth.Run({"plan", "show", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("2. [done] Oefenexamen lezen"));
  EXPECT_THAT(r.out, HasSubstr("note: gehaald"));
  r = ruth.Run({"plan", "history", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("#6  "));
  EXPECT_THAT(r.out, HasSubstr("amir  action updated"));
  EXPECT_THAT(r.out, Not(HasSubstr("#7")));
}

}  // namespace
}  // namespace kring::integration
