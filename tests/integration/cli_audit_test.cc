// `kring audit`: the auditor's query, verify and checkpoint, and the client's own access log.
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

TEST_F(CliTest, AuditScenario) {
  CliUser admin = User("admin"), ruth = User("ruth"), jo = User("jo"), amir = User("amir"),
          mentor = User("mentor"), audrey = User("audrey");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  for (auto [handle, kind] :
       std::vector<std::pair<std::string, std::string>>{{"ruth", "client"},
                                                        {"jo", "member"},
                                                        {"amir", "member"},
                                                        {"mentor", "member"},
                                                        {"audrey", "auditor"}}) {
    CliResult r = admin.Run({"user", "create", handle, "--kind", kind, "--password-stdin"},
                            World::PasswordFor(handle) + "\n");
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  CliResult r = admin.Run({"user", "create", "admin2", "--kind", "admin", "--password-stdin"},
                          World::PasswordFor("admin2") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  r = admin.Run({"representative", "appoint", "ruth", "mentor", "--basis", "mentorship 2026/5"});
  ASSERT_EQ(r.exit_code, 0) << r;
  CliUser admin2 = User("admin2");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin2, "admin2", World::PasswordFor("admin2")));
  r = admin2.Run({"representative", "confirm", "ruth", "mentor"});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (CliUser* user : {&ruth, &jo, &amir, &mentor, &audrey}) {
    const std::string handle = std::filesystem::path(user->home()).parent_path().filename();
    ASSERT_NO_FATAL_FAILURE(LogIn(*user, handle, World::PasswordFor(handle)));
  }

  // Ruth opens her network and lets Jo in; each writes; Jo reads the thread; Amir, not a
  // member, is refused.
  r = ruth.Run({"--json", "network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string net = std::to_string(JsonNumber(r.out, "id"));
  const std::string general = std::to_string(JsonNumber(r.out, "general_thread_id"));
  r = ruth.Run({"invite", net, "jo", "--role", "job coach"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"approve", r.out.substr(0, r.out.size() - 1)});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string ruth_text = "Appointment with Dr. Bakker at 10", jo_text = "Hello Ruth";
  r = ruth.Run({"send", net, general, ruth_text});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = jo.Run({"send", net, general, jo_text});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = jo.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 2u) << r;
  r = amir.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 1) << r;

  // The auditor sees each of them in the records about Ruth's data, with its outcome.
  const std::string time =
      "20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
      "\\.[0-9][0-9][0-9]Z";
  r = audrey.Run({"audit", "query", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?#[0-9]+  " + time +
                                  "  success  message\\.posted  ruth \\(client\\)  client [0-9]+, "
                                  "network " +
                                  net + ", thread " + general + ", seq 1, count 1\n(.*\n)?"))
      << r;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?#[0-9]+  " + time +
                                  "  success  message\\.posted  jo \\(member\\)  client [0-9]+, "
                                  "network " +
                                  net + ", thread " + general +
                                  ", seq 2, count 1, consent #[0-9]+\n(.*\n)?"))
      << r;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?#[0-9]+  " + time +
                                  "  success  history\\.read  jo \\(member\\)  client [0-9]+, "
                                  "network " +
                                  net + ", thread " + general +
                                  ", seq 1-2, count 2, consent #[0-9]+\n(.*\n)?"))
      << r;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?#[0-9]+  " + time +
                                  "  denied  history\\.read  amir \\(member\\)  .*network " + net +
                                  ", thread " + general + ".*  \\(.+\\)\n(.*\n)?"))
      << r;
  EXPECT_THAT(r.out, Not(HasSubstr(ruth_text)));
  EXPECT_THAT(r.out, Not(HasSubstr(jo_text)));

  // --json: one object per record; filters narrow it down.
  r = audrey.Run({"--json", "audit", "query", "--client", "ruth", "--type", "history.read"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r;
  EXPECT_THAT(lines[0], MatchesRegex("\\{\"seq\":[0-9]+,\"time\":\"" + time +
                                     "\",\"action\":\"read\",\"event_type\":\"history\\.read\","
                                     "\"outcome\":\"success\",\"outcome_detail\":\"\",.*"));
  EXPECT_THAT(lines[0], HasSubstr("\"actor\":\"jo\",\"actor_kind\":\"member\","
                                  "\"actor_role\":\"member\""));
  EXPECT_THAT(lines[0], HasSubstr("\"network_id\":" + net + ",\"thread_id\":" + general +
                                  ",\"seq_from\":1,\"seq_to\":2,\"count\":2,"));
  EXPECT_THAT(lines[0], MatchesRegex(".*\"prev_hash\":\"[0-9a-f]{64}\",.*\\}"));
  EXPECT_THAT(lines[1], HasSubstr("\"outcome\":\"denied\",\"outcome_detail\":\""));
  EXPECT_THAT(lines[1], HasSubstr("\"actor\":\"amir\""));
  EXPECT_LT(JsonNumber(lines[0], "seq"), JsonNumber(lines[1], "seq"));  // oldest first
  r = audrey.Run({"audit", "query", "--client", "ruth", "--outcome", "denied"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_THAT(r.out, HasSubstr("  denied  history.read  amir (member)  "));
  r = audrey.Run({"audit", "query", "--user", "jo", "--action", "create"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_THAT(r.out, HasSubstr("  success  message.posted  jo (member)  "));
  // Paging: one record a page, followed to the end, gives the same records.
  r = audrey.Run({"audit", "query", "--client", "ruth", "--type", "history.read", "--limit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out).size(), 1u) << r;
  // A page that is not the last says so, and where to go on.
  EXPECT_THAT(r.err, HasSubstr("kring: more records follow: --after " +
                               std::to_string(JsonNumber(lines[0], "seq")) +
                               " for the next page, --all for all"));
  r = audrey.Run(
      {"--json", "audit", "query", "--client", "ruth", "--type", "history.read", "--limit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out),
            (std::vector<std::string>{
                lines[0], "{\"more_after\":" + std::to_string(JsonNumber(lines[0], "seq")) + "}"}))
      << r;
  // An event type that does not exist is refused with the list, not answered with nothing.
  r = audrey.Run({"audit", "query", "--type", "history.reads"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--type \"history.reads\" is not an event type; known: login, "));
  EXPECT_THAT(r.err, HasSubstr(", history.read, "));
  r = audrey.Run({"--json", "audit", "query", "--client", "ruth", "--type", "history.read",
                  "--limit", "1", "--all"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out), lines) << r;
  r = audrey.Run({"--json", "audit", "query", "--client", "ruth", "--type", "history.read",
                  "--after", std::to_string(JsonNumber(lines[0], "seq"))});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out), std::vector<std::string>{lines[1]}) << r;
  // Periods: nothing before 2000 or from 2099 on.
  for (const char* flag : {"--until", "--since"}) {
    r = audrey.Run(
        {"audit", "query", "--client", "ruth", flag,
         std::string(flag) == "--until" ? "2000-01-01T00:00:00Z" : "2099-01-01T00:00:00+01:00"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "") << flag;
  }
  r = audrey.Run({"audit", "query", "--since", "yesterday"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--since must be an RFC 3339 time"));
  // The auditor's own queries are on the record too.
  r = audrey.Run({"audit", "query", "--user", "audrey", "--type", "audit.queried"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_GE(Lines(r.out).size(), 8u) << r;
  EXPECT_THAT(r.out, HasSubstr("  success  audit.queried  audrey (auditor)  "));

  // Ruth's own overview: plain summaries, never what was written.
  r = ruth.Run({"audit", "mine"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  success  history.read  jo (member)  "));
  EXPECT_THAT(r.out, HasSubstr("  jo read 2 messages in thread General\n"));
  EXPECT_THAT(r.out, HasSubstr("  denied  history.read  amir (member)  "));
  EXPECT_THAT(r.out, Not(HasSubstr(ruth_text)));
  EXPECT_THAT(r.out, Not(HasSubstr(jo_text)));
  const size_t first_read = Lines(r.out).size();
  // --limit and --after page through her overview as through the auditor's query.
  r = ruth.Run({"--json", "audit", "mine", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> page = Lines(r.out);
  ASSERT_EQ(page.size(), 3u) << r;
  EXPECT_THAT(page[2], MatchesRegex("\\{\"more_after\":[0-9]+\\}")) << r;
  r = ruth.Run({"--json", "audit", "mine", "--limit", "2", "--after",
                std::to_string(JsonNumber(page[2], "more_after"))});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_GE(Lines(r.out).size(), 1u) << r;
  EXPECT_GT(JsonNumber(Lines(r.out)[0], "seq"), JsonNumber(page[1], "seq")) << r;
  r = ruth.Run({"--json", "audit", "mine", "--network", net, "--all"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_GT(Lines(r.out).size(), 0u) << r;
  EXPECT_THAT(r.out, HasSubstr("\"summary\":\"jo read 2 messages in thread General\","
                               "\"actor_display_name\":\"jo\",\"thread_title\":\"General\"}"));
  EXPECT_THAT(r.out, Not(HasSubstr(ruth_text)));
  EXPECT_THAT(r.out, Not(HasSubstr(jo_text)));
  r = ruth.Run({"audit", "mine"});  // Ruth's reads of her log are in it
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_GT(Lines(r.out).size(), first_read) << r;
  EXPECT_THAT(r.out, HasSubstr("  success  access_log.read  ruth (client)  "));
  // Her representative reads it by naming her; nobody else does.
  r = mentor.Run({"audit", "mine", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  jo read 2 messages in thread General\n"));
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"audit", "mine"},
                                             {"audit", "mine", "--client", "ruth"},
                                             {"audit", "query", "--client", "ruth"},
                                             {"audit", "verify"},
                                             {"audit", "checkpoint"}}) {
    r = jo.Run(args);
    EXPECT_EQ(r.exit_code, 1) << ::testing::PrintToString(args) << "\n" << r;
    EXPECT_EQ(r.out, "") << ::testing::PrintToString(args);
    EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: ")) << ::testing::PrintToString(args);
  }
  r = audrey.Run({"audit", "mine"});  // an auditor is not a client
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));

  // The chain is intact; the refusals above are records of it too.
  r = audrey.Run({"audit", "verify"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("intact: [0-9]+ records, head [0-9a-f]{64}\n"));
  r = audrey.Run({"--json", "audit", "verify"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("\\{\"intact\":true,\"records\":[0-9]+,\"first_bad_seq\":0,"
                                  "\"problem\":\"\",\"head_hash\":\"[0-9a-f]{64}\","
                                  "\"repaired_records\":0\\}\n"));
  EXPECT_GT(JsonNumber(r.out, "records"), 20u);
  r = audrey.Run({"audit", "query", "--user", "jo", "--outcome", "denied"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out).size(), 5u) << r;

  // kringd makes its signing key on the first start: the checkpoint is signed, and a member
  // cannot have one made.
  r = audrey.Run({"audit", "checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("algorithm  Ed25519\n"));
  EXPECT_THAT(r.out, HasSubstr("-----BEGIN PUBLIC KEY-----"));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*head_hash  [0-9a-f]{64}\n(.|\n)*"));
  r = audrey.Run({"--json", "audit", "checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"algorithm\":\"Ed25519\""));
  EXPECT_GT(JsonNumber(r.out, "count"), 20u);

  // One checkpoint format: what `kring audit checkpoint --json` prints, kept in a file, is
  // what `kringd audit verify --checkpoint` checks the log against.
  const std::string checkpoint_file = dir_ + "/checkpoint.json";
  std::ofstream(checkpoint_file) << r.out;
  ASSERT_EQ(kringd_.Stop(), 0);
  KringdRun verified = RunKringdCommand("audit verify --checkpoint " + checkpoint_file +
                                        " --data-dir " + kringd_.data_dir());
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_THAT(verified.out, HasSubstr("checkpoint holds"));
}

}  // namespace
}  // namespace kring::integration
