// Untrusted bytes on the WebSocket: malformed frames, unknown requests, text frames, oversized
// frames, bad field values. Each is an error to the sender (or a close code), never a crash, and
// stores nothing.
#include <gtest/gtest.h>

#include <string>

#include "client-sdk/src/frame_channel.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class BadInputTest : public KringTest {
 protected:
  // The connection still answers: WhoAmI before login is UNAUTHENTICATED, with our request_id.
  void ExpectStillAnswers(sdk::FrameChannel& channel, uint64_t request_id) {
    v1::ClientFrame who;
    who.set_request_id(request_id);
    who.mutable_who_am_i();
    std::optional<v1::Response> r = RawCall(channel, who);
    ASSERT_TRUE(r.has_value()) << "no answer after the bad frame; closed=" << channel.closed();
    EXPECT_EQ(r->request_id(), request_id);
    EXPECT_FALSE(channel.closed());
  }
};

TEST_F(BadInputTest, MalformedProtobufIsInvalidArgumentAndTheConnectionStaysOpen) {
  auto channel = world_->ConnectRaw();
  struct Case {
    std::string bytes;
    uint64_t request_id;  // what kringd can still read from the bytes, else 0
  };
  const Case cases[] = {
      {std::string("\xff\xff\xff\xff", 4), 0},  // an unterminated varint: nothing readable
      // request_id 7, then login (field 10) claiming 16 bytes of which only 2 follow.
      {std::string("\x08\x07\x52\x10"
                   "ab"),
       7},
  };
  for (const Case& c : cases) {
    channel->SendBinary(c.bytes);
    std::optional<v1::Response> r = NextResponse(*channel);
    ASSERT_TRUE(r.has_value()) << "no Response to malformed bytes";
    EXPECT_EQ(r->request_id(), c.request_id);
    EXPECT_EQ(r->error().code(), v1::Error::INVALID_ARGUMENT) << r->DebugString();
  }
  ExpectStillAnswers(*channel, 42);
}

TEST_F(BadInputTest, AFloodOfUndecodableFramesEndsInClose1008AfterAFewAnswers) {
  auto channel = world_->ConnectRaw();
  // Pipelined: all of them before the first answer is read.
  for (int i = 0; i < 20'000; ++i) channel->SendBinary(std::string("\xff\xff\xff\xff", 4));
  int answers = 0;
  while (std::optional<v1::Response> r = NextResponse(*channel)) {
    EXPECT_EQ(r->error().code(), v1::Error::INVALID_ARGUMENT) << r->DebugString();
    ++answers;
  }
  std::optional<sdk::CloseInfo> closed = channel->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value()) << "still open after 20,000 undecodable frames";
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_POLICY_VIOLATION) << closed->reason;
  EXPECT_EQ(answers, 3);
}

TEST_F(BadInputTest, ClientFrameWithoutRequestIsUnimplemented) {
  auto channel = world_->ConnectRaw();
  v1::ClientFrame empty;
  empty.set_request_id(7);
  std::optional<v1::Response> r = RawCall(*channel, empty);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error().code(), v1::Error::UNIMPLEMENTED) << r->DebugString();

  // A request from a newer protocol: an unknown oneof field number (99, length-delimited).
  std::string future = empty.SerializeAsString();
  future[1] = 8;  // request_id 8 (the frame starts 0x08 0x07)
  future += std::string("\x9a\x06\x00", 3);
  channel->SendBinary(future);
  std::optional<v1::Response> r2 = NextResponse(*channel);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->request_id(), 8u);
  EXPECT_EQ(r2->error().code(), v1::Error::UNIMPLEMENTED) << r2->DebugString();
  ExpectStillAnswers(*channel, 9);
}

TEST_F(BadInputTest, FrameOverMaxFrameBytesClosesWith1009) {
  auto channel = world_->ConnectRaw();
  v1::ClientFrame login;
  login.set_request_id(1);
  login.mutable_login()->set_handle("nobody");
  login.mutable_login()->set_password(std::string(70'000, 'x'));  // > 65536 once encoded
  channel->Send(login);
  std::optional<sdk::CloseInfo> closed = channel->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value()) << "still open after an oversized frame";
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_MESSAGE_TOO_BIG) << closed->reason;
}

TEST_F(BadInputTest, FrameJustUnderTheLimitIsAccepted) {
  auto channel = world_->ConnectRaw();
  v1::ClientFrame who;
  who.set_request_id(3);
  who.mutable_who_am_i();
  std::string bytes = who.SerializeAsString();
  // Pad with an unknown field (number 1000, length-delimited) up to 65536 bytes in total.
  std::string pad_header = "\xc2\x3e";  // tag (1000 << 3 | 2) as a varint
  const size_t len = 65536 - bytes.size() - pad_header.size() - 3;
  std::string varint;
  for (size_t v = len;; v >>= 7) {
    if (v < 0x80) {
      varint += static_cast<char>(v);
      break;
    }
    varint += static_cast<char>((v & 0x7f) | 0x80);
  }
  ASSERT_EQ(varint.size(), 3u);
  bytes += pad_header + varint + std::string(len, 'p');
  ASSERT_EQ(bytes.size(), 65536u);
  channel->SendBinary(bytes);
  std::optional<v1::Response> r = NextResponse(*channel);
  ASSERT_TRUE(r.has_value()) << "closed: " << channel->closed();
  EXPECT_EQ(r->request_id(), 3u);
  EXPECT_EQ(r->error().code(), v1::Error::UNAUTHENTICATED) << r->DebugString();
}

TEST_F(BadInputTest, TextFrameClosesWith1003) {
  auto channel = world_->ConnectRaw();
  channel->SendText("{\"login\": {}}");
  std::optional<sdk::CloseInfo> closed = channel->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value()) << "still open after a text frame";
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_UNSUPPORTED_DATA) << closed->reason;
}

TEST_F(BadInputTest, InvalidUtf8TextIsRejectedAndNothingStored) {
  Person client = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(client, {});
  auto channel = world_->ConnectRawAs(client);

  v1::ClientFrame post;
  post.set_request_id(11);
  auto* req = post.mutable_post_message();
  req->set_network_id(net.id());
  req->set_thread_id(net.general_thread_id());
  req->set_client_msg_id("bad-utf8");
  req->set_text(std::string("caf\xc3 \xff\xfe end", 11));
  // The proto3 string does not parse on the server: a decode error, answered with the frame's
  // request_id, which kringd can still read.
  channel->Send(post);
  std::optional<v1::Response> r = NextResponse(*channel);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->request_id(), 11u) << r->DebugString();
  EXPECT_EQ(r->error().code(), v1::Error::INVALID_ARGUMENT) << r->DebugString();

  v1::FetchHistoryResult history =
      Must(client->FetchHistory(net.id(), net.general_thread_id()), "history");
  EXPECT_EQ(history.messages_size(), 0);
  EXPECT_EQ(history.last_seq(), 0u);
}

TEST_F(BadInputTest, MessageTextAndIdsAreBounded) {
  Person client = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(client, {});
  const uint64_t n = net.id();
  const uint64_t t = net.general_thread_id();

  // Past the SDK's own check (Call sends the frame as it is), so that kringd's is tested.
  v1::ClientFrame too_long;
  too_long.mutable_post_message()->set_network_id(n);
  too_long.mutable_post_message()->set_thread_id(t);
  too_long.mutable_post_message()->set_client_msg_id("too-long");
  too_long.mutable_post_message()->set_text(std::string(16385, 'a'));
  sdk::Result<v1::Response> refused = client->Call(too_long);
  ASSERT_TRUE(IsOk(refused));
  EXPECT_EQ(refused->error().code(), v1::Error::INVALID_ARGUMENT) << refused->DebugString();
  EXPECT_TRUE(IsError(client->PostMessage(n, t, "empty", ""), v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsError(client->PostMessage(n, t, "", "no id"), v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsError(client->PostMessage(n, t, std::string(65, 'i'), "id too long"),
                      v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsError(client->PostMessage(n, t, "reply", "to nothing", 99), v1::Error::NOT_FOUND));
  v1::FetchHistoryResult history = Must(client->FetchHistory(n, t), "history");
  EXPECT_EQ(history.messages_size(), 0) << "a rejected message was stored";

  // The limits are inclusive.
  sdk::Result<v1::PostMessageResult> max_text =
      client->PostMessage(n, t, std::string(64, 'i'), std::string(16384, 'a'));
  ASSERT_TRUE(IsOk(max_text));
  EXPECT_EQ(max_text->seq(), 1u);
  EXPECT_TRUE(IsOk(client->PostMessage(n, t, "reply-ok", "a reply", 1)));
}

// What kringd would refuse for its length, or close the connection for (1009), the SDK refuses
// before sending, naming the limit; the connection stays open.
TEST_F(BadInputTest, TheSdkRefusesOversizedRequestsBeforeSending) {
  Person client = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(client, {});
  const uint64_t n = net.id();
  const uint64_t t = net.general_thread_id();

  for (size_t bytes : {16385u, 100'000u}) {
    sdk::Result<v1::PostMessageResult> posted =
        client->PostMessage(n, t, "long-" + std::to_string(bytes), std::string(bytes, 'a'));
    ASSERT_TRUE(IsError(posted, v1::Error::INVALID_ARGUMENT)) << bytes;
    EXPECT_EQ(posted.error().detail, "the text is " + std::to_string(bytes) +
                                         " bytes; a message holds at most 16384 bytes; not sent");
  }
  sdk::Result<v1::CreateThreadResult> thread = client->CreateThread(n, std::string(70'000, 't'));
  ASSERT_TRUE(IsError(thread, v1::Error::INVALID_ARGUMENT));
  EXPECT_NE(thread.error().detail.find("the server takes at most 65536 bytes a request; not sent"),
            std::string::npos)
      << thread.error().detail;

  // Nothing was sent: the connection is open and nothing was stored.
  v1::FetchHistoryResult history = Must(client->FetchHistory(n, t), "history");
  EXPECT_EQ(history.messages_size(), 0);
  EXPECT_TRUE(IsOk(client->PostMessage(n, t, "fits", std::string(16384, 'a'))));
}

TEST_F(BadInputTest, BadThreadTitlesAreInvalidArgument) {
  Person client = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(client, {});
  EXPECT_TRUE(IsError(client->CreateThread(net.id(), ""), v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(
      IsError(client->CreateThread(net.id(), std::string(201, 't')), v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsOk(client->CreateThread(net.id(), std::string(200, 't'))));
}

TEST_F(BadInputTest, BadAccountFieldsAreInvalidArgument) {
  Person& admin = world_->admin();
  const std::string pw = "long-enough-password";
  EXPECT_TRUE(
      IsError(admin->CreateAccount("", v1::ACCOUNT_KIND_MEMBER, pw), v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsError(admin->CreateAccount("has space", v1::ACCOUNT_KIND_MEMBER, pw),
                      v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsError(admin->CreateAccount(std::string(65, 'h'), v1::ACCOUNT_KIND_MEMBER, pw),
                      v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsError(admin->CreateAccount("shortpw", v1::ACCOUNT_KIND_MEMBER, "elevenchars"),
                      v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsError(admin->CreateAccount("nokind", v1::ACCOUNT_KIND_UNSPECIFIED, pw),
                      v1::Error::INVALID_ARGUMENT));
  sdk::Result<v1::CreateAccountResult> mixed =
      admin->CreateAccount("Sam.Jansen", v1::ACCOUNT_KIND_MEMBER, pw);
  ASSERT_TRUE(IsOk(mixed));
  EXPECT_EQ(mixed->account().handle(), "sam.jansen");
  EXPECT_TRUE(IsError(admin->CreateAccount("sam.jansen", v1::ACCOUNT_KIND_CLIENT, pw),
                      v1::Error::ALREADY_EXISTS));
}

}  // namespace
}  // namespace kring::integration
