// Unit tests of the load generator's own pieces: the hot-path wire reader against real protobuf
// serializations, the latency histogram's accuracy, and the scenarios' checks and arithmetic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench/connections.h"
#include "bench/histogram.h"
#include "bench/history.h"
#include "bench/resume.h"
#include "bench/wire.h"
#include "bench/world.h"
#include "kring/v1/kring.pb.h"

namespace kring::bench {
namespace {

std::string MessagePostedFrame(uint64_t thread_id, uint64_t seq, const std::string& text) {
  v1::ServerFrame f;
  auto* m = f.mutable_event()->mutable_message_posted()->mutable_message();
  m->set_network_id(7);
  m->set_thread_id(thread_id);
  m->set_seq(seq);
  m->set_sender_id(99);
  m->set_sender_handle("someone");
  m->set_client_msg_id("0000000000000001");
  m->set_text(text);
  m->set_posted_at_ms(1'700'000'000'000);
  return f.SerializeAsString();
}

TEST(WireTest, ReadsMessagePosted) {
  wire::HotFrame hot;
  ASSERT_TRUE(wire::ReadHotFrame(MessagePostedFrame(12, 345, "0123456789abcdef hello"), &hot));
  EXPECT_EQ(hot.kind, wire::HotFrame::Kind::kMessagePosted);
  EXPECT_EQ(hot.thread_id, 12u);
  EXPECT_EQ(hot.seq, 345u);
  EXPECT_EQ(hot.text, "0123456789abcdef hello");
}

TEST(WireTest, ReadsPostMessageResult) {
  v1::ServerFrame f;
  f.mutable_response()->set_request_id(uint64_t{1} << 35 | 5);
  f.mutable_response()->mutable_post_message()->set_seq(41);
  wire::HotFrame hot;
  ASSERT_TRUE(wire::ReadHotFrame(f.SerializeAsString(), &hot));
  EXPECT_EQ(hot.kind, wire::HotFrame::Kind::kResponse);
  EXPECT_EQ(hot.request_id, uint64_t{1} << 35 | 5);
  EXPECT_TRUE(hot.has_post_result);
  EXPECT_EQ(hot.post_seq, 41u);
  EXPECT_FALSE(hot.has_error);
}

TEST(WireTest, ReadsAnError) {
  v1::ServerFrame f;
  f.mutable_response()->set_request_id(3);
  f.mutable_response()->mutable_error()->set_code(v1::Error::PERMISSION_DENIED);
  wire::HotFrame hot;
  ASSERT_TRUE(wire::ReadHotFrame(f.SerializeAsString(), &hot));
  EXPECT_EQ(hot.kind, wire::HotFrame::Kind::kResponse);
  EXPECT_EQ(hot.request_id, 3u);
  EXPECT_TRUE(hot.has_error);
  EXPECT_FALSE(hot.has_post_result);
}

TEST(WireTest, OtherEventsAreOther) {
  v1::ServerFrame f;
  f.mutable_event()->mutable_access_ended()->set_network_id(1);
  wire::HotFrame hot;
  ASSERT_TRUE(wire::ReadHotFrame(f.SerializeAsString(), &hot));
  EXPECT_EQ(hot.kind, wire::HotFrame::Kind::kOther);
}

TEST(WireTest, TruncatedFramesAreRejectedNotOverread) {
  const std::string frame = MessagePostedFrame(1, 2, std::string(100, 'x'));
  for (size_t n = 1; n < frame.size(); ++n) {
    wire::HotFrame hot;
    // Any prefix must either fail or decode within its own bytes (never read past them).
    std::string prefix = frame.substr(0, n);
    if (wire::ReadHotFrame(prefix, &hot) && !hot.text.empty()) {
      EXPECT_GE(hot.text.data(), prefix.data());
      EXPECT_LE(hot.text.data() + hot.text.size(), prefix.data() + prefix.size());
    }
  }
}

TEST(WireTest, ABatchIsReadFrameByFrameInOrder) {
  v1::ServerFrame batch;
  *batch.mutable_batch()->add_frames() = [] {
    v1::ServerFrame f;
    f.ParseFromString(MessagePostedFrame(1, 7, "0123456789abcdef a"));
    return f;
  }();
  batch.mutable_batch()->add_frames()->mutable_response()->set_request_id(9);
  std::vector<std::string> seen;
  ASSERT_TRUE(wire::ForEachServerFrame(batch.SerializeAsString(),
                                       [&](std::string_view frame) { seen.emplace_back(frame); }));
  ASSERT_EQ(seen.size(), 2u);
  wire::HotFrame hot;
  ASSERT_TRUE(wire::ReadHotFrame(seen[0], &hot));
  EXPECT_EQ(hot.seq, 7u);
  ASSERT_TRUE(wire::ReadHotFrame(seen[1], &hot));
  EXPECT_EQ(hot.request_id, 9u);
}

TEST(WireTest, AFrameThatIsNoBatchIsHandledAsItIs) {
  const std::string frame = MessagePostedFrame(1, 2, "0123456789abcdef b");
  int calls = 0;
  ASSERT_TRUE(wire::ForEachServerFrame(frame, [&](std::string_view f) {
    EXPECT_EQ(f, frame);
    ++calls;
  }));
  EXPECT_EQ(calls, 1);
}

TEST(HistogramTest, QuantilesWithinOnePercent) {
  Histogram h;
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int64_t> ns(1, 100'000'000);
  std::vector<int64_t> values;
  for (int i = 0; i < 100'000; ++i) values.push_back(ns(rng));
  for (int64_t v : values) h.Record(v);
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = static_cast<double>(values[static_cast<size_t>(q * values.size())]);
    EXPECT_NEAR(static_cast<double>(h.Quantile(q)), exact, exact * 0.01) << "q=" << q;
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.max(), static_cast<uint64_t>(values.back()));
}

TEST(HistogramTest, MergeAddsCounts) {
  Histogram a, b;
  for (int i = 0; i < 10; ++i) a.Record(1000);
  for (int i = 0; i < 30; ++i) b.Record(5'000'000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 40u);
  EXPECT_NEAR(static_cast<double>(a.Quantile(0.5)), 5e6, 5e4);
  EXPECT_NEAR(static_cast<double>(a.Quantile(0.1)), 1000, 10);  // a bucket's upper bound
}

TEST(HistoryTest, CheckPageAcceptsTheNextSeqs) {
  const std::vector<uint64_t> seqs = {11, 12, 13};
  EXPECT_EQ(CheckPage(10, seqs, 100, 100), "");
  EXPECT_EQ(CheckPage(100, {}, 100, 100), "");  // nothing after the end
}

TEST(HistoryTest, CheckPageRejectsGapsDuplicatesAndStalls) {
  const std::vector<uint64_t> gap = {11, 13};
  const std::vector<uint64_t> duplicate = {10, 11};
  const std::vector<uint64_t> fine = {11};
  EXPECT_NE(CheckPage(10, gap, 100, 100), "");
  EXPECT_NE(CheckPage(10, duplicate, 100, 100), "");
  EXPECT_NE(CheckPage(10, {}, 100, 100), "");   // an empty page before the end
  EXPECT_NE(CheckPage(10, fine, 99, 100), "");  // the thread is not as filled
  EXPECT_NE(CheckHistoryOptions({.messages = 10, .page_size = 501}), "");
  EXPECT_EQ(CheckHistoryOptions({.messages = 10, .page_size = 500}), "");
}

TEST(WorldTest, SourceAddressesSpreadPeersRoundRobin) {
  EXPECT_EQ(SourceAddress(7, 0), "");
  EXPECT_EQ(SourceAddress(7, 1), "");
  EXPECT_EQ(SourceAddress(0, 3), "127.0.0.1");
  EXPECT_EQ(SourceAddress(1, 3), "127.0.0.2");
  EXPECT_EQ(SourceAddress(5, 3), "127.0.0.3");
  EXPECT_EQ(SourceAddressesFor(1), 1);
  EXPECT_EQ(SourceAddressesFor(kConnectionsPerSource), 1);
  EXPECT_EQ(SourceAddressesFor(kConnectionsPerSource + 1), 2);
  EXPECT_EQ(SourceAddressesFor(100'000), 4);
}

TEST(ConnectionsTest, RssPerConnectionIsTheGrowthOverTheJoined) {
  ConnectionsResult r;
  r.joined = 1000;
  r.rss_before_kib = 50'000;
  r.rss_after_kib = 80'000;
  r.connect_s = 2;
  EXPECT_DOUBLE_EQ(r.KibPerConnection(), 30);
  EXPECT_DOUBLE_EQ(r.ConnectionsPerSecond(), 500);
  r.rss_after_kib = 0;  // not measured
  EXPECT_DOUBLE_EQ(r.KibPerConnection(), 0);
}

TEST(ConnectionsTest, ConnectionsMustFillWholeNetworks) {
  EXPECT_EQ(CheckConnectionsOptions({.connections = 10'000, .members = 8}), "");
  EXPECT_NE(CheckConnectionsOptions({.connections = 50, .members = 8}), "");
  EXPECT_NE(CheckConnectionsOptions({.connections = 4, .members = 8}), "");
  EXPECT_NE(CheckConnectionsOptions({.connections = 8, .members = 1}), "");
  EXPECT_EQ(CheckResumeOptions({.connections = 1000, .members = 8}), "");
  EXPECT_NE(CheckResumeOptions({.connections = 1000, .members = 7}), "");
  EXPECT_NE(CheckResumeOptions({.connections = 20, .members = 4, .messages = 0}), "");
}

}  // namespace
}  // namespace kring::bench
