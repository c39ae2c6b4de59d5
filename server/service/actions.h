// The requests kringd answers, one row each: which access-log record a request opens, what kind
// of work it is, and the action that does it.
//
// A new request is one row in actions.cc and one function in its family's header:
//   account_actions.h  sessions, accounts, the caller's profile
//   network_actions.h  networks, invitations, members
//   message_actions.h  threads, messages, live delivery, read markers
//   consent_actions.h  consents
//   representative_actions.h  representatives (appointed by one admin, confirmed by another)
//   audit_actions.h    the access log
// An action is `Status Name(RequestContext& ctx, const v1::NameRequest& req)`: it checks and
// does what the request asks through `ctx` (request_context.h), and returns an error for the
// dispatcher to answer and record, or OK once it has answered (or handed the context on).
#pragma once

#include <span>
#include <string_view>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"

namespace kring::service {

class RequestContext;

enum class RequestKind {
  kLogin,     // opens a session: the only kind a connection without one may send
  kRead,      // answers from the store; decided on the writer when it reads network content
  kWrite,     // changes records on the writer
  kPassword,  // checks or hashes a password on the password pool, then writes
};

struct ActionRow {
  v1::ClientFrame::RequestCase request;
  std::string_view event_type;  // of the request's record (audit_event_types.h)
  v1::AuditAction audit_action;
  RequestKind kind;
  Status (*run)(RequestContext& ctx, const v1::ClientFrame& frame);
};

// The row of `request`; null for a request this server does not know.
const ActionRow* FindAction(v1::ClientFrame::RequestCase request);

// Every row, in the order of the ClientFrame's fields.
std::span<const ActionRow> AllActions();

}  // namespace kring::service
