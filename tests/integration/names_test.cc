// Names and titles through the real kringd: characters that would let one name pass for another
// or reorder a line are refused with a typed error naming them, also when pipelined; message text
// keeps what people type.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class NamesTest : public CareNetworkTest {};

TEST_F(NamesTest, ATitleWithABidiOverrideIsRefusedWithTheCharacterNamed) {
  auto r = client_->CreateThread(net_.id(), "Werk\u202Egnilpas");
  ASSERT_TRUE(IsError(r, v1::Error::INVALID_ARGUMENT));
  EXPECT_EQ(r.error().detail, "the title has a right-to-left override (U+202E) at character 5");
  // A Persian title with its zero-width non-joiner is a title.
  EXPECT_TRUE(
      IsOk(client_->CreateThread(net_.id(), "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645")));
}

TEST_F(NamesTest, PipelinedBadNamesAreEachAnsweredAndTheConnectionStaysOpen) {
  auto channel = world_->ConnectRawAs(client_);
  const std::vector<std::string> titles = {"a\u202Eb", "\x1b[2J",  "a\u0085b",
                                           "j\u200Bo", "a\u2028b", "\u2067x"};
  constexpr int kRounds = 20;
  uint64_t id = 100;
  for (int round = 0; round < kRounds; ++round) {
    for (const std::string& title : titles) {
      v1::ClientFrame f;
      f.set_request_id(++id);
      f.mutable_create_thread()->set_network_id(net_.id());
      f.mutable_create_thread()->set_title(title);
      channel->SendBinary(f.SerializeAsString());
    }
  }
  for (size_t i = 0; i < kRounds * titles.size(); ++i) {
    std::optional<v1::Response> r = NextResponse(*channel);
    ASSERT_TRUE(r.has_value()) << "answer " << i << " missing; closed=" << channel->closed();
    EXPECT_EQ(r->error().code(), v1::Error::INVALID_ARGUMENT) << r->DebugString();
  }
  auto threads = client_->ListThreads(net_.id());
  ASSERT_TRUE(IsOk(threads));
  EXPECT_EQ(threads.value().threads_size(), 1);  // General only
}

TEST_F(NamesTest, MessageTextKeepsWhatPeopleType) {
  const std::string text = "\u0645\u0631\u062d\u0628\u0627\u200F 42\nTot morgen \u202Eok";
  ASSERT_TRUE(IsOk(coach_->PostMessage(net_.id(), thread_, "m-1", text)));
  auto history = client_->FetchHistory(net_.id(), thread_);
  ASSERT_TRUE(IsOk(history));
  ASSERT_EQ(history.value().messages_size(), 1);
  EXPECT_EQ(history.value().messages(0).text(), text);
}

}  // namespace
}  // namespace kring::integration
