// Unit tests of the XMPP client's pure parts: scanning received frames as ejabberd writes them
// (single-quoted attributes, children in any order) and building the frames it sends.
#include "bench/peers/xmpp/wire.h"

#include <gtest/gtest.h>

#include <string>

namespace kring::bench::xmpp {
namespace {

// A MUC groupchat delivery as ejabberd 23.01 sends it (archived: it carries a stanza-id).
constexpr std::string_view kDelivery =
    "<message xml:lang='en' to='bn0m1@localhost/bench' from='bn0@conference.localhost/m0' "
    "type='groupchat' id='0000000000000003' xmlns='jabber:client'>"
    "<archived by='bn0@conference.localhost' xmlns='urn:xmpp:mam:tmp' id='1700000000000001'/>"
    "<stanza-id by='bn0@conference.localhost' xmlns='urn:xmpp:sid:0' id='1700000000000001'/>"
    "<body>0000017f2b3c4d5e 0000000000000003 xxxx</body></message>";

TEST(XmppWireTest, ScansAGroupchatDelivery) {
  Stanza s;
  ASSERT_TRUE(ScanStanza(kDelivery, &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kMessage);
  EXPECT_EQ(s.type, "groupchat");
  EXPECT_EQ(s.id, "0000000000000003");
  EXPECT_EQ(s.from, "bn0@conference.localhost/m0");
  EXPECT_EQ(s.body, "0000017f2b3c4d5e 0000000000000003 xxxx");
  EXPECT_EQ(s.stanza_id, "1700000000000001");
  uint64_t stamp = 0, number = 0;
  ASSERT_TRUE(ReadHex16(s.body, &stamp));
  ASSERT_TRUE(ReadHex16(s.body.substr(kHexDigits + 1), &number));
  EXPECT_EQ(stamp, 0x17f2b3c4d5eu);
  EXPECT_EQ(number, 3u);
  EXPECT_EQ(MemberOfOccupant(s.from), 0);
}

TEST(XmppWireTest, MessageWithoutStanzaIdOrBody) {
  Stanza s;
  ASSERT_TRUE(
      ScanStanza("<message from=\"r@c/m2\" type=\"groupchat\"><body>hi</body></message>", &s));
  EXPECT_EQ(s.body, "hi");
  EXPECT_TRUE(s.stanza_id.empty());
  // The room's subject at join: no body.
  ASSERT_TRUE(ScanStanza("<message from='r@c' type='groupchat'><subject/></message>", &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kMessage);
  EXPECT_TRUE(s.body.empty());
  // <body/> is empty, and a <bodyx> element is not a body.
  ASSERT_TRUE(ScanStanza("<message><bodyx>no</bodyx><body/></message>", &s));
  EXPECT_TRUE(s.body.empty());
}

TEST(XmppWireTest, AttributeNeedsAWholeName) {
  // "id" must not match inside "stanza-id=" nor "xid=".
  EXPECT_EQ(Attribute("<x stanza-id='a' xid=\"b\" id='c'/>", "id"), "c");
  EXPECT_EQ(Attribute("<x stanza-id='a'/>", "id"), "");
  // Only the first tag counts.
  EXPECT_EQ(Attribute("<x a='1'><y id='2'/></x>", "id"), "");
  EXPECT_EQ(Attribute("<x id='unterminated>", "id"), "");
}

TEST(XmppWireTest, ScansStreamLevelFrames) {
  Stanza s;
  ASSERT_TRUE(
      ScanStanza("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='1' "
                 "from='localhost' version='1.0'/>",
                 &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kOpen);
  const std::string_view features =
      "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
      "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
      "<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>";
  ASSERT_TRUE(ScanStanza(features, &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kFeatures);
  EXPECT_TRUE(Contains(features, ">PLAIN<"));
  ASSERT_TRUE(ScanStanza("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kSuccess);
  ASSERT_TRUE(
      ScanStanza("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>"
                 "</failure>",
                 &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kFailure);
  ASSERT_TRUE(ScanStanza("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kClose);
  ASSERT_TRUE(ScanStanza("<stream:error><conflict/></stream:error>", &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kStreamError);
  ASSERT_TRUE(ScanStanza(" \r\n", &s));  // a whitespace keep-alive
  EXPECT_EQ(s.kind, Stanza::Kind::kOther);
  EXPECT_FALSE(ScanStanza("not xml", &s));
  EXPECT_FALSE(ScanStanza("<", &s));
}

TEST(XmppWireTest, ScansIqAnswersAndPresence) {
  Stanza s;
  const std::string_view fin =
      "<iq xmlns='jabber:client' from='bn0@conference.localhost' to='bn0m0@localhost/bench' "
      "id='mam-count' type='result'><fin xmlns='urn:xmpp:mam:2' complete='false'>"
      "<set xmlns='http://jabber.org/protocol/rsm'><count>1234</count></set></fin></iq>";
  ASSERT_TRUE(ScanStanza(fin, &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kIq);
  EXPECT_EQ(s.id, "mam-count");
  EXPECT_EQ(s.type, "result");
  EXPECT_EQ(ElementText(fin, "count"), "1234");
  const std::string_view self =
      "<presence from='bn0@conference.localhost/m1' to='bn0m1@localhost/bench'>"
      "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' "
      "role='participant'/><status code='110'/></x></presence>";
  ASSERT_TRUE(ScanStanza(self, &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kPresence);
  EXPECT_EQ(s.from, "bn0@conference.localhost/m1");
  EXPECT_TRUE(s.type.empty());
}

TEST(XmppWireTest, BuildsFramesTheScannerReadsBack) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64(std::string("\0u\0p", 4)), "AHUAcA==");
  EXPECT_EQ(PlainAuthFrame("u", "p"),
            "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">AHUAcA==</auth>");
  const std::string message = GroupchatFrame("r@c", "0000000000000001", "body text");
  Stanza s;
  ASSERT_TRUE(ScanStanza(message, &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kMessage);
  EXPECT_EQ(s.type, "groupchat");
  EXPECT_EQ(s.id, "0000000000000001");
  EXPECT_EQ(s.body, "body text");
  ASSERT_TRUE(ScanStanza(BindFrame("bench", "bind"), &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kIq);
  EXPECT_EQ(s.id, "bind");
  EXPECT_EQ(ElementText(BindFrame("bench", "bind"), "resource"), "bench");
  ASSERT_TRUE(ScanStanza(MamCountFrame("r@c", "q"), &s));
  EXPECT_EQ(s.id, "q");
  EXPECT_EQ(ElementText(MamCountFrame("r@c", "q"), "max"), "0");
  EXPECT_EQ(Attribute(JoinFrame("r@c", "m3"), "to"), "r@c/m3");
  ASSERT_TRUE(ScanStanza(OpenFrame("localhost"), &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kOpen);
  ASSERT_TRUE(ScanStanza(CloseFrame(), &s));
  EXPECT_EQ(s.kind, Stanza::Kind::kClose);
}

TEST(XmppWireTest, HexAndOccupants) {
  char buf[kHexDigits];
  WriteHex16(buf, 0x0123456789abcdefu);
  EXPECT_EQ(std::string_view(buf, kHexDigits), "0123456789abcdef");
  uint64_t v = 0;
  EXPECT_TRUE(ReadHex16("0123456789abcdef tail", &v));
  EXPECT_EQ(v, 0x0123456789abcdefu);
  EXPECT_FALSE(ReadHex16("0123456789ABCDEF", &v));  // ours are lowercase
  EXPECT_FALSE(ReadHex16("0123", &v));
  EXPECT_EQ(MemberOfOccupant("room@muc/m12"), 12);
  EXPECT_EQ(MemberOfOccupant("room@muc/m"), -1);
  EXPECT_EQ(MemberOfOccupant("room@muc/x1"), -1);
  EXPECT_EQ(MemberOfOccupant("room@muc/m1x"), -1);
  EXPECT_EQ(MemberOfOccupant("room@muc"), -1);
}

}  // namespace
}  // namespace kring::bench::xmpp
