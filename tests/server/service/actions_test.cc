// The action table and the dispatcher (server/service/actions.h, connection_impl.cc): every
// request the protocol defines has a row, and every request leaves exactly one access-log
// record of its row's type, whose outcome agrees with the answer, whatever the exit: sent
// without a session, with empty fields, naming ids that do not exist, or with oversized text.
#include "server/service/actions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "proto/kring/v1/audit_event_types.h"
#include "server/service/audit.h"
#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

TEST(ActionTableTest, EveryRequestOfTheProtocolHasOneRow) {
  const auto* oneof = v1::ClientFrame::descriptor()->FindOneofByName("request");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    const FieldDescriptor* field = oneof->field(i);
    auto request = static_cast<v1::ClientFrame::RequestCase>(field->number());
    const ActionRow* row = FindAction(request);
    ASSERT_NE(row, nullptr) << field->name() << " has no row in actions.cc";
    EXPECT_EQ(row->request, request);
    EXPECT_NE(std::find(v1::event_type::kAll.begin(), v1::event_type::kAll.end(), row->event_type),
              v1::event_type::kAll.end())
        << field->name() << ": " << row->event_type << " is not in audit_event_types.h";
  }
  EXPECT_EQ(AllActions().size(), static_cast<size_t>(oneof->field_count()));
  EXPECT_EQ(FindAction(v1::ClientFrame::REQUEST_NOT_SET), nullptr);
}

enum class Variant { kNoSession, kEmpty, kUnknownIds, kOversizedText };

const char* NameOf(Variant v) {
  switch (v) {
    case Variant::kNoSession:
      return "without a session";
    case Variant::kEmpty:
      return "with empty fields";
    case Variant::kUnknownIds:
      return "naming unknown ids";
    case Variant::kOversizedText:
      return "with oversized text";
  }
  return "?";
}

// Fills every id with one that names nothing, every handle with one of no account, every other
// text with `text`; repeated fields get one element.
void Fill(Message& m, const std::string& text) {
  const auto* descriptor = m.GetDescriptor();
  const auto* reflection = m.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* f = descriptor->field(i);
    const bool handle = f->name().find("handle") != std::string::npos;
    const std::string value = handle ? "nobody.here" : text;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_UINT64:
        if (f->is_repeated()) {
          reflection->AddUInt64(&m, f, 999'999);
        } else {
          reflection->SetUInt64(&m, f, 999'999);
        }
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        if (f->is_repeated()) {
          reflection->AddString(&m, f, value);
        } else {
          reflection->SetString(&m, f, value);
        }
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Fill(f->is_repeated() ? *reflection->AddMessage(&m, f) : *reflection->MutableMessage(&m, f),
             text);
        break;
      default:
        break;
    }
  }
}

v1::ClientFrame FrameFor(const ActionRow& row, Variant variant) {
  v1::ClientFrame frame;
  const FieldDescriptor* field =
      v1::ClientFrame::descriptor()->FindFieldByNumber(static_cast<int>(row.request));
  Message* request = frame.GetReflection()->MutableMessage(&frame, field);
  if (variant == Variant::kUnknownIds) Fill(*request, "x");
  if (variant == Variant::kOversizedText) Fill(*request, std::string(20'000, 'x'));
  return frame;
}

v1::AuditOutcome OutcomeOfAnswer(const v1::Response& response) {
  if (!response.has_error()) return v1::AUDIT_OUTCOME_SUCCESS;
  switch (response.error().code()) {
    case v1::Error::PERMISSION_DENIED:
    case v1::Error::UNAUTHENTICATED:
      return v1::AUDIT_OUTCOME_DENIED;
    default:
      return v1::AUDIT_OUTCOME_ERROR;
  }
}

class ActionRecordsTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_TRUE(CreateAccount("ruud", v1::ACCOUNT_KIND_MEMBER, "job coach").ok());
  }

  // A fresh connection from its own address, so that no case is throttled by another.
  std::unique_ptr<TestApp> Fresh(bool logged_in) {
    auto app = Connect("198.51.100." + std::to_string(++connections_) + ":1");
    if (logged_in) {
      v1::Response r = Login(*app, "ruud");
      EXPECT_FALSE(r.has_error()) << r.error().detail();
    }
    return app;
  }

  int connections_ = 0;
};

TEST_F(ActionRecordsTest, EveryRequestLeavesOneRecordWhateverTheExit) {
  for (const ActionRow& row : AllActions()) {
    for (Variant variant :
         {Variant::kNoSession, Variant::kEmpty, Variant::kUnknownIds, Variant::kOversizedText}) {
      if (variant == Variant::kNoSession && row.kind == RequestKind::kLogin) continue;
      SCOPED_TRACE(std::string(row.event_type) + " " + NameOf(variant));
      auto app = Fresh(variant != Variant::kNoSession);
      const uint64_t head = Head();
      v1::Response answer = app->Call(FrameFor(row, variant));
      std::vector<v1::AuditEvent> records = Since(head);
      ASSERT_EQ(records.size(), 1u) << "answer: " << answer.ShortDebugString();
      // SetThreadSensitive's record says which way was asked: these frames ask to unmark (its
      // bool left false), once the caller is known.
      const bool unmark =
          row.request == v1::ClientFrame::kSetThreadSensitive && variant != Variant::kNoSession;
      EXPECT_EQ(records[0].event_type(),
                unmark ? v1::event_type::kThreadUnmarkedSensitive : row.event_type);
      EXPECT_EQ(records[0].outcome(), OutcomeOfAnswer(answer)) << answer.ShortDebugString();
      if (variant == Variant::kNoSession) {
        EXPECT_EQ(answer.error().code(), v1::Error::UNAUTHENTICATED);
        EXPECT_EQ(records[0].outcome(), v1::AUDIT_OUTCOME_DENIED);
        EXPECT_EQ(records[0].actor_id(), 0u);
      }
      if (records[0].outcome() != v1::AUDIT_OUTCOME_SUCCESS) {
        EXPECT_EQ(records[0].outcome_detail(), answer.error().detail());
      }
    }
  }
}

// The same without waiting: a connection that never logged in pipelines every request type
// (an attacker does not wait for answers); each is answered UNAUTHENTICATED and recorded once.
TEST_F(ActionRecordsTest, PipelinedRequestsWithoutASessionAreEachAnsweredAndRecordedOnce) {
  auto app = Fresh(false);
  const uint64_t head = Head();
  uint64_t id = 0;
  std::vector<std::string> types;
  for (const ActionRow& row : AllActions()) {
    if (row.kind == RequestKind::kLogin) continue;
    v1::ClientFrame frame = FrameFor(row, Variant::kUnknownIds);
    frame.set_request_id(++id);
    app->SendBytes(frame.SerializeAsString());
    types.emplace_back(row.event_type);
  }
  for (uint64_t i = 1; i <= id; ++i) {
    EXPECT_EQ(app->sink().WaitResponse(i).error().code(), v1::Error::UNAUTHENTICATED)
        << types[i - 1];
  }
  std::vector<v1::AuditEvent> records = Since(head);
  ASSERT_EQ(records.size(), types.size());
  std::vector<std::string> recorded;
  for (const v1::AuditEvent& r : records) {
    EXPECT_EQ(r.outcome(), v1::AUDIT_OUTCOME_DENIED) << r.event_type();
    recorded.push_back(r.event_type());
  }
  std::sort(recorded.begin(), recorded.end());
  std::sort(types.begin(), types.end());
  EXPECT_EQ(recorded, types);
}

// Flood control is the one exit without a record: a login refused before its password is
// looked at (docs/audit.md).
TEST_F(ActionRecordsTest, AThrottledLoginIsAnsweredWithoutARecord) {
  auto app = Fresh(false);
  for (uint32_t i = 0; i <= options_.throttle.free_failures; ++i) {
    EXPECT_EQ(Login(*app, "ruud", "wrong password!").error().code(), v1::Error::UNAUTHENTICATED);
  }
  const uint64_t head = Head();
  v1::Response throttled = Login(*app, "ruud", "wrong password!");
  EXPECT_EQ(throttled.error().code(), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Since(head).empty());
}

}  // namespace
}  // namespace kring::service::testing
