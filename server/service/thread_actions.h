// Decisions about a thread itself (actions.h): thread_actions.cc. Creating, listing and reading
// threads are in message_actions.h.
#pragma once

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

// Marks a thread sensitive or not (the client or a representative). Takes effect before the
// response: the live delivery of those it takes the thread from is cut (AccessEnded with the
// thread's id), and those who read it afterwards get ThreadChanged (docs/consent.md).
Status SetThreadSensitive(RequestContext& ctx, const v1::SetThreadSensitiveRequest& req);

}  // namespace kring::service
