// `kring team` and `kring invite --team`: a team admitted to ruth's network through the real
// command line (docs/consent.md, "Teams").
#include <string>
#include <vector>

#include "tests/integration/cli_fixture.h"

namespace kring::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST_F(CliTest, TeamScenario) {
  CliUser admin = User("admin"), ruth = User("ruth"), kees = User("kees"), sanne = User("sanne");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  for (auto [handle, kind] : std::vector<std::pair<std::string, std::string>>{
           {"ruth", "client"}, {"kees", "member"}, {"sanne", "member"}}) {
    CliResult r = admin.Run({"user", "create", handle, "--kind", kind, "--password-stdin"},
                            World::PasswordFor(handle) + "\n");
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  ASSERT_NO_FATAL_FAILURE(LogIn(ruth, "ruth", World::PasswordFor("ruth")));
  ASSERT_NO_FATAL_FAILURE(LogIn(kees, "kees", World::PasswordFor("kees")));
  ASSERT_NO_FATAL_FAILURE(LogIn(sanne, "sanne", World::PasswordFor("sanne")));

  CliResult r = admin.Run({"team", "create", "Wijkteam Noord", "--organisation", "Gemeente"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string team = r.out.substr(0, r.out.size() - 1);
  r = admin.Run({"team", "coordinator", team, "kees"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("kees is in team " + team + " as coordinator"));
  r = kees.Run({"team", "add", team, "sanne", "--until", "2099-01-01T00:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("2099-01-01"));
  r = sanne.Run({"team", "list"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, team + "  Wijkteam Noord  Gemeente\n");
  r = sanne.Run({"team", "show", team});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("kees  coordinator"));
  EXPECT_THAT(r.out, HasSubstr("networks: none"));

  r = ruth.Run({"--json", "network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string net = std::to_string(JsonNumber(r.out, "id"));
  const std::string general = std::to_string(JsonNumber(r.out, "general_thread_id"));
  r = ruth.Run({"invite", net, "--team", team, "--role", "wijkteam"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string invitation = r.out.substr(0, r.out.size() - 1);
  r = ruth.Run({"approve", invitation, "--post"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"members", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("team #" + team + " Wijkteam Noord"));
  EXPECT_THAT(r.out, HasSubstr("people now: kees, sanne"));

  r = sanne.Run({"send", net, general, "Namens het wijkteam"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"team", "exclude", net, team, "sanne"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = sanne.Run({"history", net, general});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("excluded"));
  r = ruth.Run({"team", "include", net, team, "sanne"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = sanne.Run({"history", net, general});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"team", "withdraw", net, team});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = kees.Run({"history", net, general});
  EXPECT_NE(r.exit_code, 0) << r;
  r = ruth.Run({"remove", net, "sanne", "--team", team});
  EXPECT_NE(r.exit_code, 0) << r;  // a handle or a team, not both
  r = ruth.Run({"remove", net, "--team", team});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("removed team " + team));
  r = ruth.Run({"members", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, Not(HasSubstr("team #" + team)));
  r = kees.Run({"team", "remove", team, "sanne"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = sanne.Run({"team", "list"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace kring::integration
