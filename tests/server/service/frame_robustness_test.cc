// Untrusted bytes into the service: valid frames of many request types, mutated with a seeded
// generator (bit flips, truncation, insertion, splices of junk), sent on a logged-in client's
// connection. The service must answer and stay usable after every one of them, never crash, and
// leave the store consistent (the thread's sequence stays gap-free).
#include <gtest/gtest.h>

#include <random>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

constexpr uint64_t kSentinelBase = uint64_t{1} << 62;

class FrameRobustnessTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_TRUE(CreateAccount("amina", v1::ACCOUNT_KIND_CLIENT).ok());
    ASSERT_TRUE(CreateAccount("coach", v1::ACCOUNT_KIND_MEMBER, "job coach").ok());
    app_ = LoggedIn("amina");
    network_ = OpenNetwork(*app_, "amina");
    thread_ = network_.general_thread_id();
  }

  // A valid frame of each kind the client may send, with the real ids filled in.
  std::vector<std::string> Seeds() {
    std::vector<v1::ClientFrame> frames(14);
    frames[0].mutable_post_message()->set_network_id(network_.id());
    frames[0].mutable_post_message()->set_thread_id(thread_);
    frames[0].mutable_post_message()->set_client_msg_id("seed");
    frames[0].mutable_post_message()->set_text("Salaam, hoe gaat het? ሰላም");
    frames[1].mutable_fetch_history()->set_network_id(network_.id());
    frames[1].mutable_fetch_history()->set_thread_id(thread_);
    frames[1].mutable_fetch_history()->set_limit(3);
    auto* cursor = frames[2].mutable_subscribe()->add_threads();
    frames[2].mutable_subscribe()->set_network_id(network_.id());
    cursor->set_thread_id(thread_);
    frames[3].mutable_invite()->set_network_id(network_.id());
    frames[3].mutable_invite()->set_invitee_handle("coach");
    frames[4].mutable_create_thread()->set_network_id(network_.id());
    frames[4].mutable_create_thread()->set_title("Werk");
    frames[5].mutable_mark_read()->set_network_id(network_.id());
    frames[5].mutable_mark_read()->set_thread_id(thread_);
    frames[6].mutable_list_members()->set_network_id(network_.id());
    frames[7].mutable_list_threads()->set_network_id(network_.id());
    frames[8].mutable_remove_member()->set_network_id(network_.id());
    frames[8].mutable_remove_member()->set_handle("coach");
    frames[9].mutable_approve_invitation()->set_invitation_id(1);
    frames[10].mutable_list_read_markers()->set_network_id(network_.id());
    frames[10].mutable_list_read_markers()->set_thread_id(thread_);
    frames[11].mutable_who_am_i();
    frames[12].mutable_list_invitations();
    frames[13].mutable_unsubscribe()->set_network_id(network_.id());
    std::vector<std::string> out;
    for (size_t i = 0; i < frames.size(); ++i) {
      frames[i].set_request_id(i + 1);
      out.push_back(frames[i].SerializeAsString());
    }
    return out;
  }

  static std::string Mutate(std::string bytes, std::mt19937_64& rng) {
    auto pick = [&](size_t n) { return static_cast<size_t>(rng() % (n == 0 ? 1 : n)); };
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 5) {
        case 0:  // flip a bit
          if (!bytes.empty()) bytes[pick(bytes.size())] ^= static_cast<char>(1u << (rng() % 8));
          break;
        case 1:  // truncate
          bytes.resize(pick(bytes.size() + 1));
          break;
        case 2:  // insert a random byte
          bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(pick(bytes.size() + 1)),
                       static_cast<char>(rng()));
          break;
        case 3:  // overwrite a byte with a boundary value
          if (!bytes.empty()) {
            static constexpr char kBoundary[] = {0, 1, 0x7F, static_cast<char>(0x80),
                                                 static_cast<char>(0xFF)};
            bytes[pick(bytes.size())] = kBoundary[rng() % 5];
          }
          break;
        default:  // append junk
          for (int i = static_cast<int>(rng() % 16); i > 0; --i)
            bytes.push_back(static_cast<char>(rng()));
      }
    }
    return bytes;
  }

  // Sends a WhoAmI with a request id no mutation produces and waits for its answer. A mutated
  // frame may be a valid Logout (a bit flip turns WhoAmI into one): then the session ends as it
  // should, and the test logs in again on a new connection. Likewise after the
  // kMaxUndecodableFrames-th frame that does not decode, which closes the connection with 1008.
  void ExpectStillServing(uint64_t n) {
    if (app_->sink().closed() && app_->sink().WaitClosed() == CloseCode::kPolicyViolation) {
      ++policy_closes_;
      app_ = LoggedIn("amina");
    }
    v1::ClientFrame who;
    who.set_request_id(kSentinelBase + n);
    who.mutable_who_am_i();
    app_->SendBytes(who.SerializeAsString());
    v1::Response r = app_->sink().WaitResponse(kSentinelBase + n);
    const bool logged_out =
        app_->sink().closed() || (r.has_error() && r.error().code() == v1::Error::UNAUTHENTICATED);
    if (logged_out) {
      EXPECT_EQ(app_->sink().WaitClosed(), CloseCode::kSessionEnded) << "iteration " << n;
      ++logouts_;
      app_ = LoggedIn("amina");
      return;
    }
    ASSERT_FALSE(r.has_error()) << "iteration " << n << ": " << r.error().detail();
  }

  int logouts_ = 0;
  int policy_closes_ = 0;

  std::unique_ptr<TestApp> app_;
  v1::Network network_;
  uint64_t thread_ = 0;
};

TEST_F(FrameRobustnessTest, MutatedFramesAreAnsweredAndLeaveTheServiceWhole) {
  std::mt19937_64 rng(20261122);  // fixed: a failure replays exactly
  const std::vector<std::string> seeds = Seeds();
  constexpr uint64_t kIterations = 3000;
  for (uint64_t n = 0; n < kIterations; ++n) {
    app_->SendBytes(Mutate(seeds[n % seeds.size()], rng));
    ASSERT_NO_FATAL_FAILURE(ExpectStillServing(n));
  }
  // Whatever was stored is whole: a post gets the next seq, and history has no gaps. (A fresh
  // connection: mutated frames' request ids could collide with the test app's own.)
  app_ = LoggedIn("amina");
  v1::Response posted = Post(*app_, network_.id(), thread_, "after the storm");
  ASSERT_FALSE(posted.has_error()) << posted.error().detail();
  uint64_t expected = 1;
  for (uint64_t after = 0; after < posted.post_message().seq();) {
    v1::Response page = History(*app_, network_.id(), thread_, after);
    ASSERT_FALSE(page.has_error());
    ASSERT_GT(page.fetch_history().messages_size(), 0);
    for (const auto& m : page.fetch_history().messages()) ASSERT_EQ(m.seq(), expected++);
    after = page.fetch_history().messages().rbegin()->seq();
  }
  EXPECT_EQ(expected, posted.post_message().seq() + 1);
}

TEST_F(FrameRobustnessTest, RandomBytesAreAnswered) {
  std::mt19937_64 rng(7);
  for (uint64_t n = 0; n < 1000; ++n) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    app_->SendBytes(junk);
    ASSERT_NO_FATAL_FAILURE(ExpectStillServing(n));
  }
  EXPECT_GT(policy_closes_, 0);  // most random bytes are no ClientFrame
}

}  // namespace
}  // namespace kring::service::testing
