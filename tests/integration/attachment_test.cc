// Attachments over HTTPS on a real kringd with its real TLS, driven by Debian's curl with the
// session token as Bearer: upload and download, a refused type and size, an upload cut off
// midway, a download after the consent was withdrawn and one from another network, and
// uploads side by side. Nothing refused or cut off may stay in the data dir's attachment area.
#include <gd.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "proto/kring/v1/audit_event_types.h"
#include "tests/integration/world.h"
#include "tests/support/child_process.h"

namespace kring::integration {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxBytes = 1024 * 1024;

KringdConfig AttachmentConfig() {
  KringdConfig config;
  config.attachment_max_bytes = kMaxBytes;
  return config;
}

struct CurlReply {
  int status = 0;  // HTTP status; 0 when curl failed
  std::string body;
  std::string headers;
};

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Random bytes after `prefix`: content no two tests share.
std::string Content(std::string_view prefix, size_t size) {
  static std::mt19937_64 rng(std::random_device{}());
  std::string out(prefix);
  while (out.size() < size) out.push_back(static_cast<char>('a' + rng() % 26));
  return out;
}

// An image of `width` x `height` pixels, encoded by libgd.
std::string MakeImage(int width, int height, bool jpeg) {
  gdImagePtr image = gdImageCreateTrueColor(width, height);
  gdImageFilledRectangle(image, 0, 0, width / 2, height / 2, gdTrueColor(200, 30, 30));
  int size = 0;
  void* bytes = jpeg ? gdImageJpegPtr(image, &size, 90) : gdImagePngPtr(image, &size);
  std::string out(static_cast<const char*>(bytes), static_cast<size_t>(size));
  gdFree(bytes);
  gdImageDestroy(image);
  return out;
}

class AttachmentTest : public CareNetworkTest {
 protected:
  AttachmentTest() : CareNetworkTest(true, AttachmentConfig()) {
    std::string tmpl = (fs::temp_directory_path() / "kring-curl-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
  }
  ~AttachmentTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string Url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(kringd_.port()) + path;
  }
  std::string UploadUrl(uint64_t network, uint64_t thread, const std::string& name) const {
    return Url("/v1/networks/" + std::to_string(network) + "/threads/" + std::to_string(thread) +
               "/attachments?name=" + name);
  }
  std::string DownloadUrl(uint64_t network, uint64_t id, bool thumbnail = false) const {
    return Url("/v1/networks/" + std::to_string(network) + "/attachments/" + std::to_string(id) +
               (thumbnail ? "/thumbnail" : ""));
  }
  std::string WriteFile(const std::string& content) {
    const std::string path = dir_ + "/in-" + std::to_string(++files_);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Starts curl with `args` after the common ones; its output lands in files of its own.
  process::Child StartCurl(const std::vector<std::string>& args, int n) {
    std::vector<std::string> argv = {"/usr/bin/curl",
                                     "-sS",
                                     "--cacert",
                                     kringd_.ca_file(),
                                     "-o",
                                     dir_ + "/body-" + std::to_string(n),
                                     "-D",
                                     dir_ + "/headers-" + std::to_string(n),
                                     "-w",
                                     "%{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    process::SpawnOptions options;
    options.pipe_stdout = true;
    options.stderr_path = dir_ + "/stderr-" + std::to_string(n);
    std::string error;
    auto child = process::Spawn(argv, options, &error);
    if (!child) throw std::runtime_error("curl: " + error);
    return *child;
  }
  CurlReply FinishCurl(process::Child& child, int n) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::string out;
    while (process::ReadSome(child.stdout_fd, &out, deadline)) {
      if (std::chrono::steady_clock::now() > deadline) break;
    }
    process::CloseFd(child.stdout_fd);
    auto status = process::WaitForExit(child.pid, deadline);
    if (!status) throw std::runtime_error("curl did not finish");
    CurlReply reply;
    reply.status = std::atoi(out.c_str());
    reply.body = ReadWhole(dir_ + "/body-" + std::to_string(n));
    reply.headers = ReadWhole(dir_ + "/headers-" + std::to_string(n));
    return reply;
  }
  CurlReply Curl(const std::vector<std::string>& args) {
    const int n = ++calls_;
    process::Child child = StartCurl(args, n);
    return FinishCurl(child, n);
  }
  std::vector<std::string> UploadArgs(const Person& p, const std::string& file,
                                      const std::string& url) {
    return {"-H",
            "Authorization: Bearer " + p.token,
            "-H",
            "Content-Type: application/octet-stream",
            "--data-binary",
            "@" + file,
            url};
  }
  CurlReply Upload(const Person& p, const std::string& content, const std::string& name,
                   uint64_t network = 0, uint64_t thread = 0) {
    return Curl(
        UploadArgs(p, WriteFile(content),
                   UploadUrl(network ? network : net_.id(), thread ? thread : thread_, name)));
  }
  CurlReply Download(const Person& p, const std::string& url) {
    return Curl({"-H", "Authorization: Bearer " + p.token, url});
  }

  static v1::Response Parse(const CurlReply& reply) {
    v1::Response r;
    if (!r.ParseFromString(reply.body)) throw std::runtime_error("not a kring.v1.Response");
    return r;
  }
  v1::Attachment MustUpload(const Person& p, const std::string& content, const std::string& name) {
    CurlReply reply = Upload(p, content, name);
    if (reply.status != 200) {
      throw std::runtime_error("upload: HTTP " + std::to_string(reply.status) + " " +
                               Parse(reply).error().detail());
    }
    v1::Attachment a = Parse(reply).attachment_store().attachment();
    // Shared in a message, as an app does: until then only the uploader may download it.
    auto shared = p->PostMessage(net_.id(), thread_, "share-" + std::to_string(a.id()), name,
                                 /*reply_to_seq=*/0, {a.id()});
    if (!shared.ok()) throw std::runtime_error("sharing the upload failed");
    a.set_message_seq(shared->seq());
    return a;
  }

  // Files in the data dir's attachment area: its tmp/ and a network's directory.
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

  std::string dir_;
  int files_ = 0;
  int calls_ = 0;
};

::testing::AssertionResult HasHeader(const CurlReply& reply, const std::string& line) {
  std::string lower = reply.headers;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string want = line;
  for (char& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find(want + "\r\n") != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no \"" << line << "\" in\n" << reply.headers;
}

TEST_F(AttachmentTest, UploadAndDownloadWithCurl) {
  const std::string pdf = Content("%PDF-1.7\n", 300 * 1024);
  v1::Attachment a = MustUpload(coach_, pdf, "mijn%20cv.pdf");
  EXPECT_EQ(a.name(), "mijn cv.pdf");
  EXPECT_EQ(a.content_type(), "application/pdf");
  EXPECT_EQ(a.size(), pdf.size());
  EXPECT_EQ(StoredFiles(), 1u);
  EXPECT_EQ(FilesIn("tmp"), 0u);

  CurlReply got = Download(buddy_, DownloadUrl(net_.id(), a.id()));
  ASSERT_EQ(got.status, 200) << got.headers;
  EXPECT_EQ(got.body, pdf);
  EXPECT_TRUE(HasHeader(got, "Content-Type: application/pdf"));
  EXPECT_TRUE(HasHeader(got, "Content-Disposition: attachment; filename*=UTF-8''mijn%20cv.pdf"));
  EXPECT_TRUE(HasHeader(got, "X-Content-Type-Options: nosniff"));
  EXPECT_TRUE(HasHeader(got, "Content-Security-Policy: sandbox; default-src 'none'"));

  // Recorded: the upload and the download, by whom.
  Person auditor = world_->AddAccount("auditor1", v1::ACCOUNT_KIND_AUDITOR);
  v1::QueryAuditRequest q;
  q.set_user_handle("amir");
  q.set_event_type(std::string(v1::event_type::kAttachmentRead));
  auto found = Must(auditor->QueryAudit(q), "query");
  ASSERT_EQ(found.events_size(), 1);
  EXPECT_EQ(found.events(0).outcome(), v1::AUDIT_OUTCOME_SUCCESS);
  EXPECT_EQ(found.events(0).object_id(), a.id());
}

// Encryption at rest (issue 16; docs/data-rights.md): the file is sealed in chunks with its
// network's key, so a phrase it holds is nowhere under the data dir, even right after SIGKILL;
// it reads back whole after a restart, and a damaged chunk ends the download rather than
// hand out garbled bytes.
TEST_F(AttachmentTest, AFileIsSealedOnDiskAndReadsBackAfterAKill) {
  const std::string phrase = "Wolkenkrabberfluitconcert";
  std::string text;
  while (text.size() < 150 * 1024)
    text += "regel " + std::to_string(text.size()) + " " + phrase + "\n";
  v1::Attachment a = MustUpload(coach_, text, "notities.txt");
  EXPECT_EQ(a.content_type(), "text/plain; charset=utf-8");
  kringd_.Crash();
  // Named by a keyed hash: its plain SHA-256 names nothing there.
  const std::string dir = kringd_.data_dir() + "/attachments/n" + std::to_string(net_.id());
  ASSERT_EQ(StoredFiles(), 1u);
  const std::string stored = fs::directory_iterator(dir)->path().string();
  EXPECT_NE(stored, dir + "/" + a.sha256());
  EXPECT_TRUE(ReadWhole(stored).starts_with("KRSEAL1\n"));
  for (const auto& entry : fs::recursive_directory_iterator(kringd_.data_dir())) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(ReadWhole(entry.path().string()).find(phrase), std::string::npos)
        << "in " << entry.path();
  }
  ASSERT_TRUE(kringd_.Restart());
  world_->LogIn(buddy_);
  CurlReply got = Download(buddy_, DownloadUrl(net_.id(), a.id()));
  ASSERT_EQ(got.status, 200) << got.headers;
  EXPECT_EQ(got.body, text);

  // One byte of the last chunk changed: the download stops short of it, never garbled.
  std::string damaged = ReadWhole(stored);
  damaged[damaged.size() - 20] ^= 1;
  std::ofstream(stored, std::ios::binary | std::ios::trunc) << damaged;
  CurlReply cut = Download(buddy_, DownloadUrl(net_.id(), a.id()));
  EXPECT_LT(cut.body.size(), text.size());
  EXPECT_TRUE(text.starts_with(cut.body)) << "garbled bytes were sent";
}

TEST_F(AttachmentTest, ImagesGetAThumbnail) {
  const std::string png = MakeImage(600, 400, /*jpeg=*/false);
  v1::Attachment a = MustUpload(coach_, png, "dot.png");
  EXPECT_EQ(a.content_type(), "image/png");
  ASSERT_TRUE(a.has_thumbnail());
  CurlReply thumb = Download(buddy_, DownloadUrl(net_.id(), a.id(), true));
  ASSERT_EQ(thumb.status, 200);
  EXPECT_TRUE(thumb.body.starts_with("\x89PNG"));
  EXPECT_TRUE(HasHeader(thumb, "Content-Type: image/png"));
  EXPECT_LT(thumb.body.size(), png.size());
  v1::Attachment photo = MustUpload(coach_, MakeImage(300, 500, /*jpeg=*/true), "photo.jpg");
  EXPECT_EQ(photo.content_type(), "image/jpeg");
  EXPECT_TRUE(photo.has_thumbnail());
  // A PDF has none.
  v1::Attachment pdf = MustUpload(coach_, Content("%PDF-1.7\n", 1000), "a.pdf");
  EXPECT_EQ(Download(buddy_, DownloadUrl(net_.id(), pdf.id(), true)).status, 404);
}

TEST_F(AttachmentTest, AnExeNamedPdfIsRefusedAndLeavesNothing) {
  const std::string exe = "MZ" + std::string(200, '\0') + "This program cannot be run in DOS";
  CurlReply reply = Upload(coach_, exe, "cv.pdf");
  EXPECT_EQ(reply.status, 415);
  EXPECT_EQ(Parse(reply).error().code(), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(FilesIn("tmp"), 0u);
  EXPECT_EQ(StoredFiles(), 0u);
}

TEST_F(AttachmentTest, AFileOverTheLimitIsRefusedAndLeavesNothing) {
  const std::string big = Content("%PDF-1.7\n", kMaxBytes + 1);
  CurlReply declared = Upload(coach_, big, "big.pdf");
  EXPECT_EQ(declared.status, 413);
  EXPECT_EQ(Parse(declared).error().code(), v1::Error::RESOURCE_EXHAUSTED);
  // Chunked: no length given, so the limit is found while streaming.
  CurlReply chunked =
      Curl({"-H", "Authorization: Bearer " + coach_.token, "-H", "Transfer-Encoding: chunked",
            "--data-binary", "@" + WriteFile(big), UploadUrl(net_.id(), thread_, "big.pdf")});
  EXPECT_EQ(chunked.status, 413);
  EXPECT_EQ(FilesIn("tmp"), 0u);
  EXPECT_EQ(StoredFiles(), 0u);
  // Just under the limit is fine.
  MustUpload(coach_, Content("%PDF-1.7\n", kMaxBytes), "fits.pdf");
}

TEST_F(AttachmentTest, AnUploadCutOffMidwayLeavesNothing) {
  const std::string pdf = Content("%PDF-1.7\n", kMaxBytes - 1);
  const int n = ++calls_;
  std::vector<std::string> args =
      UploadArgs(coach_, WriteFile(pdf), UploadUrl(net_.id(), thread_, "slow.pdf"));
  args.insert(args.begin(), {"--limit-rate", "32K"});
  process::Child curl = StartCurl(args, n);
  // Wait until kringd has part of it on disk, then cut the connection.
  const std::string tmp = kringd_.data_dir() + "/attachments/tmp";
  EXPECT_TRUE(PollUntil([&] {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(tmp, ec)) {
      if (fs::file_size(entry.path(), ec) > 0) return true;
    }
    return false;
  }));
  ::kill(curl.pid, SIGKILL);
  process::CloseFd(curl.stdout_fd);
  process::WaitForExit(curl.pid, std::chrono::steady_clock::now() + 10s);
  EXPECT_TRUE(PollUntil([&] { return FilesIn("tmp") == 0; }));
  EXPECT_EQ(StoredFiles(), 0u);
  // And nothing recorded as stored.
  Person auditor = world_->AddAccount("auditor1", v1::ACCOUNT_KIND_AUDITOR);
  v1::QueryAuditRequest q;
  q.set_event_type(std::string(v1::event_type::kAttachmentStored));
  EXPECT_EQ(Must(auditor->QueryAudit(q), "query").events_size(), 0);
}

TEST_F(AttachmentTest, ADownloadAfterWithdrawalIsRefusedAndRecorded) {
  v1::Attachment a = MustUpload(coach_, Content("%PDF-1.7\n", 1000), "plan.pdf");
  ASSERT_EQ(Download(buddy_, DownloadUrl(net_.id(), a.id())).status, 200);
  WithdrawConsent(client_, net_.id(), "amir");
  CurlReply refused = Download(buddy_, DownloadUrl(net_.id(), a.id()));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(Parse(refused).error().code(), v1::Error::PERMISSION_DENIED);
  EXPECT_TRUE(refused.headers.find("Content-Disposition") == std::string::npos);

  Person auditor = world_->AddAccount("auditor1", v1::ACCOUNT_KIND_AUDITOR);
  v1::QueryAuditRequest q;
  q.set_user_handle("amir");
  q.set_event_type(std::string(v1::event_type::kAttachmentRead));
  auto found = Must(auditor->QueryAudit(q), "query");
  ASSERT_EQ(found.events_size(), 2);
  EXPECT_EQ(found.events(1).outcome(), v1::AUDIT_OUTCOME_DENIED);
  EXPECT_EQ(found.events(1).object_id(), a.id());
}

TEST_F(AttachmentTest, ADownloadFromAnotherNetworkIsNotFound) {
  v1::Attachment a = MustUpload(coach_, Content("%PDF-1.7\n", 1000), "plan.pdf");
  Person sara = world_->AddClient("sara");
  v1::Network other = world_->OpenNetwork(sara, {&coach_});
  CurlReply wrong = Download(coach_, DownloadUrl(other.id(), a.id()));
  EXPECT_EQ(wrong.status, 404);
  EXPECT_EQ(Parse(wrong).error().code(), v1::Error::NOT_FOUND);
  // Someone of the other network only, asking in the attachment's network: refused.
  EXPECT_EQ(Download(sara, DownloadUrl(net_.id(), a.id())).status, 403);
  // An upload to a thread of another network than named: refused, nothing left.
  CurlReply misplaced = Upload(coach_, Content("%PDF-1.7\n", 1000), "x.pdf", other.id(), thread_);
  EXPECT_EQ(misplaced.status, 404);
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

TEST_F(AttachmentTest, WithoutASessionNothingIsTakenOrGiven) {
  v1::Attachment a = MustUpload(coach_, Content("%PDF-1.7\n", 1000), "plan.pdf");
  CurlReply upload = Curl({"--data-binary", "@" + WriteFile(Content("%PDF-1.7\n", 1000)),
                           UploadUrl(net_.id(), thread_, "x.pdf")});
  EXPECT_EQ(upload.status, 401);
  EXPECT_EQ(Curl({DownloadUrl(net_.id(), a.id())}).status, 401);
  EXPECT_EQ(
      Curl({"-H", "Authorization: Bearer not-a-token", DownloadUrl(net_.id(), a.id())}).status,
      401);
  // The browser's cookie from another site's page: refused.
  CurlReply forged =
      Curl({"-H", "Cookie: kring_session=" + coach_.token, "-H", "Origin: https://evil.example",
            "--data-binary", "@" + WriteFile(Content("%PDF-1.7\n", 1000)),
            UploadUrl(net_.id(), thread_, "x.pdf")});
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(FilesIn("tmp"), 0u);
  EXPECT_EQ(StoredFiles(), 1u);
}

TEST_F(AttachmentTest, ConcurrentUploadsAreEachStored) {
  constexpr int kUploads = 6;
  std::vector<std::string> contents;
  std::vector<process::Child> running;
  std::vector<int> ids;
  for (int i = 0; i < kUploads; ++i) {
    contents.push_back(Content("%PDF-1.7\n", 200 * 1024));
    ids.push_back(++calls_);
    running.push_back(StartCurl(UploadArgs(i % 2 ? coach_ : client_, WriteFile(contents.back()),
                                           UploadUrl(net_.id(), thread_, "f.pdf")),
                                ids.back()));
  }
  std::set<uint64_t> stored;
  for (int i = 0; i < kUploads; ++i) {
    CurlReply reply = FinishCurl(running[i], ids[i]);
    ASSERT_EQ(reply.status, 200) << i;
    const v1::Attachment a = Parse(reply).attachment_store().attachment();
    stored.insert(a.id());
    const Person& uploader = i % 2 ? coach_ : client_;
    ASSERT_TRUE(IsOk(uploader->PostMessage(net_.id(), thread_, "share-" + std::to_string(a.id()),
                                           "f.pdf", 0, {a.id()})));
    CurlReply back = Download(buddy_, DownloadUrl(net_.id(), a.id()));
    EXPECT_EQ(back.body, contents[i]) << i;
  }
  EXPECT_EQ(stored.size(), static_cast<size_t>(kUploads));
  EXPECT_EQ(StoredFiles(), static_cast<size_t>(kUploads));
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

}  // namespace
}  // namespace kring::integration
