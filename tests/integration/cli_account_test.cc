// `kring login`, `password`, `user list/find`, the bootstrap admin's one-time password, and the
// command line's own errors: usage, CA and credentials.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/cli_fixture.h"

namespace kring::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(CliTest, PasswordChangesOnlyWithTheCurrentOne) {
  CliUser admin = User("admin"), pia = User("pia");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  CliResult r = admin.Run({"user", "create", "pia", "--kind", "member", "--password-stdin"},
                          World::PasswordFor("pia") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_NO_FATAL_FAILURE(LogIn(pia, "pia", World::PasswordFor("pia")));
  const std::string fresh = "a-new-password-for-pia";

  // Without a terminal and without --password-stdin there is no one to ask.
  r = pia.Run({"password"}, World::PasswordFor("pia") + "\n" + fresh + "\n");
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("no terminal to ask for the password on: use --password-stdin"));
  r = pia.Run({"password", "--password-stdin"}, "not-her-password\n" + fresh + "\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: the current password is wrong"));
  r = pia.Run({"password", "--password-stdin"}, World::PasswordFor("pia") + "\n");
  EXPECT_EQ(r.exit_code, 2) << r;  // no second line: no new password
  r = pia.Run({"--json", "password", "--password-stdin"},
              World::PasswordFor("pia") + "\n" + fresh + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "{\"password_changed\":true}\n");

  CliUser other = User("pia-elsewhere");
  r = other.Run(
      {"--server", server_, "--ca", kringd_.ca_file(), "login", "pia", "--password-stdin"},
      World::PasswordFor("pia") + "\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  ASSERT_NO_FATAL_FAILURE(LogIn(other, "pia", fresh));
}

TEST_F(CliTest, BadUsageExitsTwo) {
  CliUser user = User("nobody");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"send", "1", "2"},       // TEXT missing
           {"history", "one", "2"},  // not a number
           {"login", "ruth"},        // no --password-stdin
           {"user", "create", "x", "--kind", "robot", "--password-stdin"},
           {"consent"},  // no action
           {"consent", "grant", "1", "jo", "--threads", "1,x"},
           {"consent", "grant", "1", "jo", "--threads", "1", "--all"},
           {"consent", "grant", "1", "jo", "--from", "yesterday"},
           {"consent", "team-threads", "1", "maybe"},
           {"representative", "appoint", "ruth", "mentor"},  // no --basis
           {"audit"},                                        // no action
           {"audit", "query", "--outcome", "maybe"},
           {"audit", "query", "--action", "peek"},
           {"audit", "query", "--limit", "0"},
           {"audit", "query", "--until", "soon"},
           {"audit", "mine", "--since", "2026-12-01"},
           {"audit", "verify", "extra"},
           {"whoami"},  // not logged in
           {"--server", "https://localhost:1", "login", "ruth", "--password-stdin"},
           {"--server", "wss://localhost:99999", "login", "ruth", "--password-stdin"},
           {"--server", "wss://:8443", "login", "ruth", "--password-stdin"},
           {"--server", "wss://localhost:8443/other", "login", "ruth", "--password-stdin"},
       }) {
    CliResult r = user.Run(args, "some-password-123\n");
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << "\n" << r;
    EXPECT_EQ(r.out, "") << ::testing::PrintToString(args);
  }
}

TEST_F(CliTest, WrongCaOrCredentials) {
  CliUser admin = User("admin");
  const std::string password = std::string(KringdProcess::kAdminPassword) + "\n";
  std::vector<std::string> wrong_cas = {dir_ + "/missing.pem"};
  std::ofstream(dir_ + "/garbage.pem") << "not a certificate\n";
  wrong_cas.push_back(dir_ + "/garbage.pem");
  // Real CAs that did not sign kringd's self-signed certificate: the TLS handshake fails.
  if (std::filesystem::exists("/etc/ssl/certs/ca-certificates.crt")) {
    wrong_cas.push_back("/etc/ssl/certs/ca-certificates.crt");
  }
  for (const std::string& ca : wrong_cas) {
    CliResult r = admin.Run({"--server", server_, "--ca", ca, "login", "admin", "--password-stdin"},
                            password);
    EXPECT_EQ(r.exit_code, 2) << ca << "\n" << r;
    EXPECT_THAT(r.err, HasSubstr("cannot connect to " + server_)) << ca;
  }
  // Nothing was saved by the failed logins.
  EXPECT_FALSE(std::filesystem::exists(admin.home() + "/session"));

  // A wrong password is kringd's answer: exit 1 with its code.
  CliResult r = admin.Run(
      {"--server", server_, "--ca", kringd_.ca_file(), "login", "admin", "--password-stdin"},
      "wrong-password-0000\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED: "));
}

TEST_F(CliTest, ProfileSetsLanguageAndTimeZone) {
  CliUser admin = User("admin");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  CliResult r =
      admin.Run({"--json", "profile", "--language", "ar", "--time-zone", "Europe/Amsterdam"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"language\":\"ar\""));
  EXPECT_THAT(r.out, HasSubstr("\"time_zone\":\"Europe/Amsterdam\""));
  r = admin.Run({"--json", "whoami"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"language\":\"ar\""));

  r = admin.Run({"profile", "--time-zone", "Mars/Olympus"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("time_zone"));
  EXPECT_EQ(admin.Run({"profile", "--language", "de"}).exit_code, 2);
  EXPECT_EQ(admin.Run({"profile"}).exit_code, 2);
}

// Creates `handle` (a member named `name`) through `admin`'s saved session.
void CreateMember(CliUser& admin, const std::string& handle, const std::string& name) {
  CliResult r =
      admin.Run({"user", "create", handle, "--kind", "member", "--name", name, "--password-stdin"},
                World::PasswordFor(handle) + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
}

// The handle of each text line "ID  HANDLE  ...".
std::vector<std::string> ListedHandles(const std::string& out) {
  std::vector<std::string> handles;
  for (const std::string& line : Lines(out)) {
    const size_t begin = line.find("  ") + 2;
    handles.push_back(line.substr(begin, line.find("  ", begin) - begin));
  }
  return handles;
}

TEST_F(CliTest, UserListAndFindPageWithoutCuttingSilently) {
  using Handles = std::vector<std::string>;
  CliUser admin = User("admin"), pia = User("pia");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  ASSERT_NO_FATAL_FAILURE(CreateMember(admin, "amina", "Amina Yusuf"));
  ASSERT_NO_FATAL_FAILURE(CreateMember(admin, "jo", "Jo de Vries"));
  ASSERT_NO_FATAL_FAILURE(CreateMember(admin, "sam", "Samuel YUSUF"));
  ASSERT_NO_FATAL_FAILURE(CreateMember(admin, "pia", "Pia"));

  CliResult r = admin.Run({"user", "list"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ListedHandles(r.out), (Handles{"admin", "amina", "jo", "sam", "pia"}));
  EXPECT_EQ(r.err, "");
  r = admin.Run({"user", "find", "yusuf"});  // handle or display name, any case of A-Z
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ListedHandles(r.out), (Handles{"amina", "sam"}));
  r = admin.Run({"user", "find", "PI"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ListedHandles(r.out), (Handles{"pia"}));

  // A page that is not the last says so, and where to go on.
  r = admin.Run({"user", "list", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ListedHandles(r.out), (Handles{"admin", "amina"}));
  EXPECT_THAT(r.err, HasSubstr("more accounts follow: --after "));
  r = admin.Run({"--json", "user", "list", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r;
  const uint64_t after = JsonNumber(lines[2], "more_after");
  EXPECT_EQ(after, JsonNumber(lines[1], "id"));
  r = admin.Run({"user", "list", "--limit", "2", "--after", std::to_string(after)});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ListedHandles(r.out), (Handles{"jo", "sam"}));
  r = admin.Run({"user", "list", "--limit", "2", "--all"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ListedHandles(r.out), (Handles{"admin", "amina", "jo", "sam", "pia"}));
  EXPECT_EQ(r.err, "");
  r = admin.Run({"user", "find", "yusuf", "--limit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ListedHandles(r.out), (Handles{"amina"}));
  EXPECT_THAT(r.err, HasSubstr("more accounts follow"));
  EXPECT_EQ(admin.Run({"user", "find"}).exit_code, 2);

  // Admins only.
  ASSERT_NO_FATAL_FAILURE(LogIn(pia, "pia", World::PasswordFor("pia")));
  r = pia.Run({"user", "list"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED"));
}

KringdConfig BootstrapConfig() {
  KringdConfig config;
  config.bootstrap_admin = true;
  return config;
}

class CliBootstrapTest : public CliTest {
 protected:
  CliBootstrapTest() : CliTest(BootstrapConfig()) {}
};

TEST_F(CliBootstrapTest, TheBootstrapPasswordOnlyChangesItselfAndThenNeverWorksAgain) {
  const std::string one_time = kringd_.BootstrapPassword();
  ASSERT_EQ(one_time.size(), 24u) << "kringd printed no one-time password";
  CliUser admin = User("admin"), eavesdropper = User("eavesdropper");
  CliResult r = admin.Run(
      {"--server", server_, "--ca", kringd_.ca_file(), "login", "admin", "--password-stdin"},
      one_time + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("change it now with `kring password`"));
  ASSERT_NO_FATAL_FAILURE(LogIn(eavesdropper, "admin", one_time));

  // Nothing but the password change (and whoami, logout) until it is changed.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"user", "list"}, {"network", "list"}, {"audit", "verify"}}) {
    r = admin.Run(args);
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_THAT(
        r.err,
        HasSubstr("FAILED_PRECONDITION: change the one-time password first: kring password"));
  }
  r = admin.Run({"user", "create", "pia", "--kind", "member", "--password-stdin"},
                World::PasswordFor("pia") + "\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("FAILED_PRECONDITION"));
  r = admin.Run({"--json", "whoami"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"must_change_password\":true"));

  const std::string chosen = "the-admins-own-password";
  r = admin.Run({"password", "--password-stdin"}, one_time + "\n" + chosen + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;

  // The same session now does what an admin does; the other one made with the one-time
  // password has ended, and the one-time password logs in no more.
  r = admin.Run({"user", "create", "pia", "--kind", "member", "--password-stdin"},
                World::PasswordFor("pia") + "\n");
  EXPECT_EQ(r.exit_code, 0) << r;
  r = admin.Run({"--json", "whoami"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, Not(HasSubstr("must_change_password")));
  r = eavesdropper.Run({"whoami"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED"));
  r = eavesdropper.Run(
      {"--server", server_, "--ca", kringd_.ca_file(), "login", "admin", "--password-stdin"},
      one_time + "\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  ASSERT_NO_FATAL_FAILURE(LogIn(eavesdropper, "admin", chosen));
}

TEST_F(CliTest, AnAccountCreatedWithAOneTimePasswordMustChangeItFirst) {
  CliUser admin = User("admin"), pia = User("pia");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  CliResult r =
      admin.Run({"user", "create", "pia", "--kind", "member", "--one-time", "--password-stdin"},
                World::PasswordFor("pia") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("the password must be changed at first login"));
  ASSERT_NO_FATAL_FAILURE(LogIn(pia, "pia", World::PasswordFor("pia")));
  r = pia.Run({"network", "list"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("change the one-time password first"));
  r = pia.Run({"password", "--password-stdin"},
              World::PasswordFor("pia") + "\n" + "pias-own-new-password\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  r = pia.Run({"network", "list"});
  EXPECT_EQ(r.exit_code, 0) << r;
}

}  // namespace
}  // namespace kring::integration
