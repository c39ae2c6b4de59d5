// A connection that starts resumed from a session token the transport vouches for (the browser's
// HttpOnly cookie on a WebSocket upgrade from an allowed Origin; see PeerInfo::session_token).
// Internal to server/service.
#pragma once

#include <memory>
#include <string>

#include "server/service/connection.h"
#include "server/service/service_impl.h"

namespace kring::service {

// A Connection logged in from `token` with the same checks, throttle and access-log record as
// ResumeSession, but no response: the app asks WhoAmI to learn who it is. Nothing reaches `sink`
// (answers, events, a close) before the session.resumed record is durable: until then it is
// held, and sent in order after. If that record cannot be written, what was held is dropped and
// the session ends (SessionEnded, close 4001). An invalid token leaves the connection logged out.
std::shared_ptr<Connection> AcceptResumed(ServiceImpl& service,
                                          std::shared_ptr<ConnectionSink> sink, PeerInfo peer,
                                          const std::string& token);

}  // namespace kring::service
