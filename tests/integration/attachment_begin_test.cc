// An upload is authorized when its header arrives, before kringd reads a byte of its body: a
// connection without a session, or whose person may not post in the thread, or whose file would
// not fit, is answered at once and closed with the body unread, and leaves nothing in the
// attachment area. Raw pipelined requests on one kept-alive connection, an upload racing a
// withdrawal, and the SDK's streamed upload (Expect: 100-continue) against a real kringd.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "kring/attachments.h"
#include "proto/kring/v1/audit_event_types.h"
#include "tests/integration/world.h"
#include "tests/support/keep_alive_client.h"

namespace kring::integration {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using test_support::KeepAliveClient;

constexpr uint64_t kMaxBytes = 1024 * 1024;
constexpr uint64_t kQuotaBytes = 3 * 1024 * 1024;

KringdConfig Limits() {
  KringdConfig config;
  config.attachment_max_bytes = kMaxBytes;
  config.attachment_quota_bytes = kQuotaBytes;
  return config;
}

std::string Pdf(size_t size, char fill = 'x') {
  std::string out = "%PDF-1.7\n";
  out.resize(size, fill);
  return out;
}

// The request line and header of an upload of `length` bytes, without its body.
std::string UploadHeader(uint64_t network, uint64_t thread, const std::string& token, size_t length,
                         const std::string& extra = "") {
  return "POST /v1/networks/" + std::to_string(network) + "/threads/" + std::to_string(thread) +
         "/attachments?name=f.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(length) +
         "\r\n" + extra + "\r\n";
}

v1::Response Parse(const KeepAliveClient::Response& response) {
  v1::Response parsed;
  if (!parsed.ParseFromString(response.body())) throw std::runtime_error("not a kring Response");
  return parsed;
}

class AttachmentBeginTest : public CareNetworkTest {
 protected:
  AttachmentBeginTest() : CareNetworkTest(true, Limits()) {}

  std::unique_ptr<KeepAliveClient> Connected() {
    auto client = std::make_unique<KeepAliveClient>(kringd_.ca_file());
    if (client->Connect(kringd_.port())) throw std::runtime_error("cannot connect");
    return client;
  }
  size_t FilesIn(const std::string& sub) const {
    std::error_code ec;
    size_t n = 0;
    for (auto it = fs::directory_iterator(kringd_.data_dir() + "/attachments/" + sub, ec);
         !ec && it != fs::directory_iterator(); ++it) {
      ++n;
    }
    return n;
  }
  size_t StoredFiles() const { return FilesIn("n" + std::to_string(net_.id())); }
  int Recorded(std::string_view event_type, v1::AuditOutcome outcome) {
    if (!auditor_) auditor_.emplace(world_->AddAccount("auditor1", v1::ACCOUNT_KIND_AUDITOR));
    v1::QueryAuditRequest q;
    q.set_event_type(std::string(event_type));
    int n = 0;
    const v1::QueryAuditResult found = Must(auditor_->conn->QueryAudit(q), "query");
    for (const auto& e : found.events()) {
      n += e.outcome() == outcome;
    }
    return n;
  }

  std::optional<Person> auditor_;
};

// The header of a 1 MiB upload, and not a byte of its body: the refusal must come anyway.
TEST_F(AttachmentBeginTest, WithoutASessionTheBodyIsNeverRead) {
  auto client = Connected();
  ASSERT_FALSE(client->Write(UploadHeader(net_.id(), thread_, "not-a-token", kMaxBytes)));
  auto [ec, refused] = client->Read();
  ASSERT_FALSE(ec) << "no answer before the body: " << ec.message();
  EXPECT_EQ(refused.result_int(), 401u);
  EXPECT_EQ(Parse(refused).error().code(), v1::Error::UNAUTHENTICATED);
  EXPECT_FALSE(refused.keep_alive());
  EXPECT_EQ(FilesIn("tmp"), 0u);
  // The body sent now is not read as a request: the connection is closed.
  client->Write(Pdf(64 * 1024));
  EXPECT_TRUE(client->Read().first);
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

TEST_F(AttachmentBeginTest, SomeoneWhoMayNotPostThereIsRefusedBeforeTheBody) {
  Person sara = world_->AddClient("sara");
  auto outsider = Connected();
  ASSERT_FALSE(outsider->Write(UploadHeader(net_.id(), thread_, sara.token, kMaxBytes)));
  auto [ec, refused] = outsider->Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(refused.result_int(), 403u);
  EXPECT_EQ(Parse(refused).error().code(), v1::Error::PERMISSION_DENIED);

  // A member whose consent lets them read but not post.
  sdk::Grant read_only;
  read_only.post = false;
  GrantConsent(client_, net_.id(), "amir", read_only);
  auto reader = Connected();
  ASSERT_FALSE(reader->Write(UploadHeader(net_.id(), thread_, buddy_.token, 1000)));
  auto [reader_ec, reader_refused] = reader->Read();
  ASSERT_FALSE(reader_ec) << reader_ec.message();
  EXPECT_EQ(reader_refused.result_int(), 403u);
  EXPECT_EQ(FilesIn("tmp"), 0u);
  EXPECT_EQ(Recorded(v1::event_type::kAttachmentUploadBegun, v1::AUDIT_OUTCOME_DENIED), 2);
}

TEST_F(AttachmentBeginTest, ADeclaredSizeOverTheQuotaLeftIsRefusedBeforeTheBody) {
  // Two files of 1 MiB fill two thirds of the 3 MiB quota.
  for (char fill : {'a', 'b'}) {
    ASSERT_TRUE(IsOk(sdk::UploadAttachment(kringd_.ConnectOptions(), coach_.token, net_.id(),
                                           thread_, "f.pdf", Pdf(kMaxBytes, fill))));
  }
  auto client = Connected();
  ASSERT_FALSE(client->Write(UploadHeader(net_.id(), thread_, coach_.token, kMaxBytes)));
  auto [ec, fits] = client->Read(std::chrono::milliseconds(300));
  // The third still fits: kringd waits for its body (no answer yet).
  EXPECT_TRUE(ec);
  ASSERT_TRUE(IsOk(sdk::UploadAttachment(kringd_.ConnectOptions(), coach_.token, net_.id(), thread_,
                                         "f.pdf", Pdf(kMaxBytes, 'c'))));
  // Now the quota is used up: the next is refused from its header.
  auto full = Connected();
  ASSERT_FALSE(full->Write(UploadHeader(net_.id(), thread_, coach_.token, 1000)));
  auto [full_ec, refused] = full->Read();
  ASSERT_FALSE(full_ec) << full_ec.message();
  EXPECT_EQ(refused.result_int(), 413u);
  EXPECT_EQ(Parse(refused).error().code(), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

TEST_F(AttachmentBeginTest, PipelinedUploadsOnOneConnectionAreEachStoredInOrder) {
  const std::string first = Pdf(200 * 1024, 'p');
  const std::string second = Pdf(300 * 1024, 'q');
  auto client = Connected();
  ASSERT_FALSE(client->Write(UploadHeader(net_.id(), thread_, coach_.token, first.size()) + first +
                             UploadHeader(net_.id(), thread_, coach_.token, second.size()) +
                             second + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::vector<uint64_t> sizes;
  for (int i = 0; i < 2; ++i) {
    auto [ec, answer] = client->Read();
    ASSERT_FALSE(ec) << i << ": " << ec.message();
    ASSERT_EQ(answer.result_int(), 200u) << i << ": " << Parse(answer).error().detail();
    EXPECT_TRUE(answer.keep_alive());
    sizes.push_back(Parse(answer).attachment_store().attachment().size());
  }
  EXPECT_EQ(sizes, (std::vector<uint64_t>{first.size(), second.size()}));
  auto [ec, health] = client->Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(health.body(), "ok");
  EXPECT_EQ(StoredFiles(), 2u);
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

// A refused upload pipelined ahead of a good one: the good one is not taken as a request out of
// the refused one's unread body, nor answered at all (the connection closes after the refusal).
TEST_F(AttachmentBeginTest, ARefusedUploadEndsAPipeline) {
  // Small enough that the whole pipeline is written before kringd answers and closes (a larger
  // one may meet the close mid-write: the refusal works, the client's write fails).
  const std::string body = Pdf(4 * 1024);
  auto client = Connected();
  ASSERT_FALSE(client->Write(UploadHeader(net_.id(), thread_, "not-a-token", body.size()) + body +
                             UploadHeader(net_.id(), thread_, coach_.token, body.size()) + body));
  auto [ec, refused] = client->Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(refused.result_int(), 401u);
  EXPECT_TRUE(client->Read().first) << "a request after a refused upload was answered";
  EXPECT_EQ(StoredFiles(), 0u);
  EXPECT_TRUE(PollUntil([&] { return FilesIn("tmp") == 0; }));
}

// Begun while the consent was in force; the consent is withdrawn (and the withdrawal answered)
// while the body is on its way: the finished body is refused, and nothing of it stays.
TEST_F(AttachmentBeginTest, AnUploadRacingAWithdrawalIsRefusedWhenItEnds) {
  const std::string body = Pdf(512 * 1024);
  auto client = Connected();
  ASSERT_FALSE(client->Write(UploadHeader(net_.id(), thread_, buddy_.token, body.size()) +
                             body.substr(0, body.size() / 2)));
  // kringd has begun receiving it.
  ASSERT_TRUE(PollUntil([&] { return FilesIn("tmp") == 1; }));
  WithdrawConsent(client_, net_.id(), "amir");
  ASSERT_FALSE(client->Write(body.substr(body.size() / 2)));
  auto [ec, refused] = client->Read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(refused.result_int(), 403u);
  EXPECT_EQ(Parse(refused).error().code(), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(StoredFiles(), 0u);
  EXPECT_TRUE(PollUntil([&] { return FilesIn("tmp") == 0; }));
  // And one begun after the withdrawal's answer is refused from its header.
  auto again = Connected();
  ASSERT_FALSE(again->Write(UploadHeader(net_.id(), thread_, buddy_.token, body.size())));
  auto [again_ec, again_refused] = again->Read();
  ASSERT_FALSE(again_ec) << again_ec.message();
  EXPECT_EQ(again_refused.result_int(), 403u);
  EXPECT_EQ(Recorded(v1::event_type::kAttachmentStored, v1::AUDIT_OUTCOME_SUCCESS), 0);
}

class SdkFileUploadTest : public AttachmentBeginTest {
 protected:
  std::string WriteFile(const std::string& content) {
    const std::string path = kringd_.data_dir() + "/../upload-" + std::to_string(++files_);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  int files_ = 0;
};

TEST_F(SdkFileUploadTest, AFileIsStreamedAndReadBack) {
  const std::string pdf = Pdf(kMaxBytes, 'z');
  auto uploaded = sdk::UploadAttachmentFile(kringd_.ConnectOptions(), coach_.token, net_.id(),
                                            thread_, "plan.pdf", WriteFile(pdf));
  ASSERT_TRUE(IsOk(uploaded));
  EXPECT_EQ(uploaded->size(), pdf.size());
  auto back =
      sdk::DownloadAttachment(kringd_.ConnectOptions(), coach_.token, net_.id(), uploaded->id());
  ASSERT_TRUE(IsOk(back));
  EXPECT_EQ(*back, pdf);
}

// Refusals come back as typed errors, not as a connection reset while the file is sent.
TEST_F(SdkFileUploadTest, RefusalsAreTypedErrorsBeforeTheFileIsSent) {
  const std::string file = WriteFile(Pdf(kMaxBytes));
  Person sara = world_->AddClient("sara");
  auto denied = sdk::UploadAttachmentFile(kringd_.ConnectOptions(), sara.token, net_.id(), thread_,
                                          "f.pdf", file);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, v1::Error::PERMISSION_DENIED) << denied.error().detail;
  auto nameless = sdk::UploadAttachmentFile(kringd_.ConnectOptions(), coach_.token, net_.id(),
                                            thread_, "a/b.pdf", file);
  ASSERT_FALSE(nameless.ok());
  EXPECT_EQ(nameless.error().code, v1::Error::INVALID_ARGUMENT) << nameless.error().detail;
  auto too_big = sdk::UploadAttachmentFile(kringd_.ConnectOptions(), coach_.token, net_.id(),
                                           thread_, "f.pdf", WriteFile(Pdf(kMaxBytes + 1)));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, v1::Error::RESOURCE_EXHAUSTED) << too_big.error().detail;
  auto missing = sdk::UploadAttachmentFile(kringd_.ConnectOptions(), coach_.token, net_.id(),
                                           thread_, "f.pdf", "/nonexistent/file.pdf");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(FilesIn("tmp"), 0u);
  EXPECT_EQ(StoredFiles(), 0u);
}

}  // namespace
}  // namespace kring::integration
