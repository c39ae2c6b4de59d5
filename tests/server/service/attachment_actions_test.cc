// Attachments through the service: storing a received upload (authorized as posting in the
// thread, within the quota, recorded), naming it in a message, and opening it for a download
// (authorized as reading the thread at that instant, recorded). The files are real, in a temp
// attachment area; the HTTPS side is tests/integration/attachment_test.cc.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "proto/kring/v1/audit_event_types.h"
#include "server/storage/attachment_area.h"
#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kPdf[] = "%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

class AttachmentActionsTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kring-att-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    storage::AttachmentLimits limits;
    limits.max_bytes = 1024 * 1024;
    limits.network_quota_bytes = 3 * 1024;
    auto area = storage::AttachmentArea::Open(dir_ + "/attachments", limits, random_);
    ASSERT_TRUE(area.ok());
    area_ = std::move(*area);
    options_.attachments = area_.get();
    CareNetworkTest::SetUp();
  }
  void TearDown() override {
    CareNetworkTest::TearDown();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // What kringd's HTTPS endpoint does with a body it received whole: the upload id to name.
  std::string Receive(const std::string& content, uint64_t network_id, uint64_t thread_id) {
    auto file = area_->Begin(network_id, thread_id);
    EXPECT_TRUE(file.ok());
    EXPECT_TRUE((*file)->Append(content).ok());
    EXPECT_TRUE((*file)->Finish().ok());
    return area_->Stage(std::move(*file));
  }

  static v1::ClientFrame Store(uint64_t n, uint64_t t, const std::string& name,
                               const std::string& upload_id) {
    v1::ClientFrame f;
    auto* s = f.mutable_attachment_store();
    s->set_network_id(n);
    s->set_thread_id(t);
    s->set_name(name);
    s->set_upload_id(upload_id);
    return f;
  }
  static v1::ClientFrame Begin(uint64_t n, uint64_t t, const std::string& name, uint64_t size) {
    v1::ClientFrame f;
    auto* b = f.mutable_attachment_begin();
    b->set_network_id(n);
    b->set_thread_id(t);
    b->set_name(name);
    b->set_size(size);
    return f;
  }
  static v1::ClientFrame Open(uint64_t n, uint64_t id, bool thumbnail = false) {
    v1::ClientFrame f;
    f.mutable_attachment_open()->set_network_id(n);
    f.mutable_attachment_open()->set_attachment_id(id);
    f.mutable_attachment_open()->set_thumbnail(thumbnail);
    return f;
  }

  // Stored only: no message names it yet.
  v1::Attachment Stored(Actor& by, const std::string& content = kPdf,
                        const std::string& name = "cv.pdf") {
    return Must(by->Call(Store(net_.id(), thread_, name, Receive(content, net_.id(), thread_))),
                by.handle + " stores " + name)
        .attachment_store()
        .attachment();
  }
  // Stored and shared in a message, as an app does.
  v1::Attachment Upload(Actor& by, const std::string& content = kPdf,
                        const std::string& name = "cv.pdf") {
    v1::Attachment a = Stored(by, content, name);
    v1::ClientFrame post =
        frames::PostMessage(net_.id(), thread_, "share-" + std::to_string(a.id()), name);
    post.mutable_post_message()->add_attachment_ids(a.id());
    a.set_message_seq(Must(by->Call(post), "share " + name).post_message().seq());
    return a;
  }

  // Files in tmp/ and in the network's directory.
  size_t FilesIn(const std::string& sub) {
    std::error_code ec;
    size_t n = 0;
    for (auto it = fs::directory_iterator(dir_ + "/attachments/" + sub, ec);
         !ec && it != fs::directory_iterator(); ++it) {
      ++n;
    }
    return n;
  }
  uint64_t ThreadHeadOf(Actor& reader) {
    return Must(reader->Call(frames::FetchHistory(net_.id(), thread_)), "history")
        .fetch_history()
        .last_seq();
  }
  std::string NetworkDir() const { return "n" + std::to_string(net_.id()); }

  std::string dir_;
  std::unique_ptr<storage::AttachmentArea> area_;
};

TEST_F(AttachmentActionsTest, StoresAnUploadDurablyUnderItsHashAndRecordsIt) {
  const uint64_t head = Head();
  v1::Attachment a = Stored(coach_);
  EXPECT_EQ(a.network_id(), net_.id());
  EXPECT_EQ(a.thread_id(), thread_);
  EXPECT_EQ(a.uploaded_by(), coach_.account.id());
  EXPECT_EQ(a.name(), "cv.pdf");
  EXPECT_EQ(a.content_type(), "application/pdf");
  EXPECT_EQ(a.size(), sizeof(kPdf) - 1);
  EXPECT_EQ(a.sha256().size(), 64u);
  EXPECT_FALSE(a.has_thumbnail());
  EXPECT_TRUE(fs::exists(*area_->PathOf(net_.id(), a.sha256())));
  EXPECT_EQ(FilesIn("tmp"), 0u);
  auto records = Since(head);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_type(), v1::event_type::kAttachmentStored);
  EXPECT_EQ(records[0].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
  EXPECT_EQ(records[0].object_id(), a.id());
  EXPECT_EQ(records[0].thread_id(), thread_);
}

TEST_F(AttachmentActionsTest, TheSameContentTwiceIsOneFile) {
  v1::Attachment a = Upload(coach_);
  v1::Attachment b = Upload(buddy_, kPdf, "copy.pdf");
  EXPECT_NE(a.id(), b.id());
  EXPECT_EQ(a.sha256(), b.sha256());
  EXPECT_EQ(FilesIn(NetworkDir()), 1u);
}

TEST_F(AttachmentActionsTest, SomeoneWhoMayNotPostThereLeavesNothing) {
  Actor outsider = AddMember("kim", "neighbour");
  const std::string id = Receive(kPdf, net_.id(), thread_);
  const uint64_t head = Head();
  EXPECT_TRUE(IsError(outsider->Call(Store(net_.id(), thread_, "cv.pdf", id)),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_EQ(FilesIn("tmp"), 0u);
  EXPECT_EQ(FilesIn(NetworkDir()), 0u);
  auto records = Since(head);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_type(), v1::event_type::kAttachmentStored);
  EXPECT_NE(records[0].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
}

TEST_F(AttachmentActionsTest, AfterWithdrawalNoUpload) {
  WithdrawConsent(client_, "amir");
  EXPECT_TRUE(
      IsError(buddy_->Call(Store(net_.id(), thread_, "cv.pdf", Receive(kPdf, net_.id(), thread_))),
              v1::Error::PERMISSION_DENIED));
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

TEST_F(AttachmentActionsTest, AnUploadIdIsUsedOnceAndOnlyForItsThread) {
  const std::string id = Receive(kPdf, net_.id(), thread_);
  EXPECT_TRUE(IsError(coach_->Call(Store(net_.id(), thread_ + 999, "cv.pdf", id)),
                      v1::Error::INVALID_ARGUMENT));
  // Taken by the refused request: gone.
  EXPECT_TRUE(IsError(coach_->Call(Store(net_.id(), thread_, "cv.pdf", id)), v1::Error::NOT_FOUND));
  EXPECT_TRUE(
      IsError(coach_->Call(Store(net_.id(), thread_, "cv.pdf", "guessed")), v1::Error::NOT_FOUND));
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

TEST_F(AttachmentActionsTest, BadNamesAreRefused) {
  for (const std::string& name : {std::string(), std::string("../etc/passwd"), std::string("a/b"),
                                  std::string(300, 'x'), std::string("\xff\xfe.pdf"),
                                  std::string("evil\xe2\x80\xae"
                                              "fdp.exe")}) {
    const std::string id = Receive(kPdf, net_.id(), thread_);
    EXPECT_TRUE(
        IsError(coach_->Call(Store(net_.id(), thread_, name, id)), v1::Error::INVALID_ARGUMENT))
        << name;
    // A frame that does not decode (the name not UTF-8) never reaches the action: kringd's
    // endpoint discards what it staged once the exchange is over, whatever the answer.
    area_->Discard(id);
  }
  EXPECT_EQ(FilesIn("tmp"), 0u);
  EXPECT_EQ(FilesIn(NetworkDir()), 0u);
}

TEST_F(AttachmentActionsTest, TheNetworkQuotaIsKept) {
  const std::string big(1500, 'a');
  Upload(coach_, big + "1", "one.txt");
  Upload(coach_, big + "2", "two.txt");
  EXPECT_TRUE(IsError(
      coach_->Call(Store(net_.id(), thread_, "three.txt", Receive(big + "3", net_.id(), thread_))),
      v1::Error::RESOURCE_EXHAUSTED));
  EXPECT_EQ(FilesIn(NetworkDir()), 2u);
  EXPECT_EQ(FilesIn("tmp"), 0u);
}

// Asked when an upload's header arrives, before its body: each refusal a typed error, and the
// answer the most bytes the body may have.
TEST_F(AttachmentActionsTest, BeginSaysYesOnlyToWhoMayPostAFileThatFits) {
  v1::Response yes = Must(coach_->Call(Begin(net_.id(), thread_, "cv.pdf", 1000)), "begin");
  EXPECT_EQ(yes.attachment_begin().max_bytes(), 3u * 1024);  // the quota left, under the limit
  EXPECT_TRUE(IsError(coach_->Call(Begin(net_.id(), thread_, "cv.pdf", 1024 * 1024 + 1)),
                      v1::Error::RESOURCE_EXHAUSTED));
  EXPECT_TRUE(IsError(coach_->Call(Begin(net_.id(), thread_, "cv.pdf", 3 * 1024 + 1)),
                      v1::Error::RESOURCE_EXHAUSTED));
  EXPECT_TRUE(IsError(coach_->Call(Begin(net_.id(), thread_, "../cv.pdf", 10)),
                      v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(
      IsError(coach_->Call(Begin(net_.id() + 999, thread_, "cv.pdf", 10)), v1::Error::NOT_FOUND));
  Actor outsider = AddMember("sam", "neighbour");
  EXPECT_TRUE(IsError(outsider->Call(Begin(net_.id(), thread_, "cv.pdf", 10)),
                      v1::Error::PERMISSION_DENIED));
  // A chunked body (no size declared) is told what is left.
  Upload(coach_, std::string(1500, 'a'), "one.txt");
  EXPECT_EQ(Must(coach_->Call(Begin(net_.id(), thread_, "cv.pdf", 0)), "chunked")
                .attachment_begin()
                .max_bytes(),
            3u * 1024 - 1500);
  WithdrawConsent(client_, "amir");
  EXPECT_TRUE(
      IsError(buddy_->Call(Begin(net_.id(), thread_, "cv.pdf", 10)), v1::Error::PERMISSION_DENIED));
}

TEST_F(AttachmentActionsTest, OpenIsForThoseWhoMayReadTheThreadNow) {
  v1::Attachment a = Upload(coach_);
  v1::Response opened = Must(buddy_->Call(Open(net_.id(), a.id())), "amir opens");
  EXPECT_EQ(opened.attachment_open().attachment().sha256(), a.sha256());

  WithdrawConsent(client_, "amir");
  const uint64_t head = Head();
  EXPECT_TRUE(IsError(buddy_->Call(Open(net_.id(), a.id())), v1::Error::PERMISSION_DENIED));
  auto records = Since(head);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_type(), v1::event_type::kAttachmentRead);
  EXPECT_EQ(records[0].outcome(), v1::AUDIT_OUTCOME_DENIED);
  EXPECT_EQ(records[0].object_id(), a.id());
  EXPECT_EQ(records[0].actor_id(), buddy_.account.id());
}

TEST_F(AttachmentActionsTest, AFileIsReadAsTheMessageThatNamesIt) {
  // Before a message names it, only the uploader has it.
  v1::Attachment a = Stored(coach_);
  EXPECT_TRUE(IsError(buddy_->Call(Open(net_.id(), a.id())), v1::Error::NOT_FOUND));
  Must(coach_->Call(Open(net_.id(), a.id())), "jo opens her own upload");
  v1::ClientFrame post = frames::PostMessage(net_.id(), thread_, "m-cv", "my CV");
  post.mutable_post_message()->add_attachment_ids(a.id());
  Must(coach_->Call(post), "share");
  Must(buddy_->Call(Open(net_.id(), a.id())), "amir opens it once shared");
  // Amir's new consent starts without history: the message, and so the file, is before it.
  WithdrawConsent(client_, "amir");
  GrantConsent(client_, "amir", Grant{});  // no history
  EXPECT_TRUE(IsError(buddy_->Call(Open(net_.id(), a.id())), v1::Error::PERMISSION_DENIED));
  // A file shared after it is his to read.
  v1::Attachment later = Upload(coach_, std::string(kPdf) + "later", "later.pdf");
  Must(buddy_->Call(Open(net_.id(), later.id())), "amir opens a file shared since");
}

TEST_F(AttachmentActionsTest, AFileGoesWithTheMessageItsAuthorRetracts) {
  v1::Attachment a = Upload(coach_);
  Must(buddy_->Call(Open(net_.id(), a.id())), "amir opens it");
  v1::ClientFrame retract;
  auto* req = retract.mutable_retract_message();
  req->set_network_id(net_.id());
  req->set_thread_id(thread_);
  req->set_seq(a.message_seq());
  req->set_client_msg_id("retract-cv");
  Must(coach_->Call(retract), "jo retracts");
  EXPECT_TRUE(IsError(buddy_->Call(Open(net_.id(), a.id())), v1::Error::NOT_FOUND));
}

TEST_F(AttachmentActionsTest, AnAttachmentOfAnotherNetworkIsNotFound) {
  v1::Attachment a = Upload(coach_);
  Actor other = AddClient("sara");
  v1::Network elsewhere = OpenNetworkOf(other, {&coach_});
  EXPECT_TRUE(IsError(coach_->Call(Open(elsewhere.id(), a.id())), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(other->Call(Open(net_.id(), a.id())), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(
      IsError(coach_->Call(Open(net_.id(), a.id(), /*thumbnail=*/true)), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(coach_->Call(Open(net_.id(), 987654)), v1::Error::NOT_FOUND));
}

TEST_F(AttachmentActionsTest, AMessageCarriesItsSendersUploads) {
  v1::Attachment a = Stored(coach_);
  v1::ClientFrame post = frames::PostMessage(net_.id(), thread_, "m-1", "my CV");
  post.mutable_post_message()->add_attachment_ids(a.id());
  Must(coach_->Call(post), "post with attachment");
  v1::Response history = Must(buddy_->Call(frames::FetchHistory(net_.id(), thread_)), "history");
  ASSERT_EQ(history.fetch_history().messages_size(), 1);
  const v1::Message& m = history.fetch_history().messages(0);
  ASSERT_EQ(m.attachments_size(), 1);
  EXPECT_EQ(m.attachments(0).id(), a.id());
  EXPECT_EQ(m.attachments(0).name(), "cv.pdf");
  EXPECT_EQ(m.attachments(0).sha256(), a.sha256());
}

TEST_F(AttachmentActionsTest, AMessageCannotNameSomeoneElsesOrAnotherThreadsUpload) {
  v1::Attachment a = Stored(coach_);
  const uint64_t head = ThreadHeadOf(client_);
  // Amir names Jo's upload.
  v1::ClientFrame post = frames::PostMessage(net_.id(), thread_, "m-2", "not mine");
  post.mutable_post_message()->add_attachment_ids(a.id());
  EXPECT_TRUE(IsError(buddy_->Call(post), v1::Error::INVALID_ARGUMENT));
  // Jo names it twice, or an unknown id.
  v1::ClientFrame twice = frames::PostMessage(net_.id(), thread_, "m-3", "twice");
  twice.mutable_post_message()->add_attachment_ids(a.id());
  twice.mutable_post_message()->add_attachment_ids(a.id());
  EXPECT_TRUE(IsError(coach_->Call(twice), v1::Error::INVALID_ARGUMENT));
  v1::ClientFrame unknown = frames::PostMessage(net_.id(), thread_, "m-4", "unknown");
  unknown.mutable_post_message()->add_attachment_ids(a.id() + 1000);
  EXPECT_TRUE(IsError(coach_->Call(unknown), v1::Error::NOT_FOUND));
  // In another thread of the network.
  const uint64_t other_thread =
      Must(coach_->Call(frames::CreateThread(net_.id(), "work")), "thread")
          .create_thread()
          .thread()
          .id();
  v1::ClientFrame moved = frames::PostMessage(net_.id(), other_thread, "m-5", "elsewhere");
  moved.mutable_post_message()->add_attachment_ids(a.id());
  EXPECT_TRUE(IsError(coach_->Call(moved), v1::Error::INVALID_ARGUMENT));
  EXPECT_EQ(ThreadHeadOf(client_), head);  // nothing partly written
}

}  // namespace
}  // namespace kring::service::testing
