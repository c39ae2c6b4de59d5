// The `fanout` scenario against an XMPP server (ejabberd) over WebSocket (RFC 7395), for a
// side-by-side comparison with kringd (bench/peers/ejabberd/run.sh).
//
// The same shape as bench/fanout.h: N rooms × M members, each member one connection joined to
// its room; K senders per room, closed loop (--window) or open loop (--rate). The users and
// members-only rooms must exist already (run.sh makes them through ejabberd's admin API):
// user PREFIXn{i}m{j} with one password, room PREFIXn{i}@MUC, nickname m{j}.
//
// Where the work differs from Kring's:
// - Bytes: XML text frames instead of protobuf binary frames.
// - The acknowledgement: XMPP has no "persisted" answer. The sender's own copy of its
//   groupchat message (every occupant, the sender included, receives it) is taken as the ack
//   when it carries a <stanza-id/> (XEP-0359), which the room adds when it archives (mod_mam).
//   Ack latency is send → that echo.
// - Order and exactly-once: a room gives no seq; the body carries the sender's message number
//   (after the send timestamp), and every member checks 1, 2, 3, ... per sender.
// - The archive check: after the drain, member 0 of each room asks the room's archive (MAM,
//   XEP-0313) for its count (RSM max 0); the sum must equal the messages sent.
#pragma once

#include <sys/types.h>

#include <string>

#include "bench/fanout.h"

namespace kring::bench {

struct XmppBenchOptions {
  std::string url;          // wss://HOST:PORT/PATH
  std::string ca_file;      // PEM to trust (the server's self-signed certificate)
  std::string server_name;  // to verify in the certificate; empty: "localhost"
  std::string domain = "localhost";
  std::string muc = "conference.localhost";
  std::string prefix = "b";
  std::string password;
  int networks = 100;
  int members = 8;
  int threads = 2;
  int setup_timeout_s = 300;
  FanoutOptions fanout;  // its server_pid: beam.smp's, for CPU and RSS
  bool json = false;
  bool verbose = false;
};

// Sets up, runs, checks and prints (human + Markdown row, or one JSON object with an extra
// "archived" field). Returns the exit code: 0 valid, 1 a failed run or check, 2 usage.
int RunXmppBench(const XmppBenchOptions& options);

}  // namespace kring::bench
