// Representatives (actions.h): representative_actions.cc. Four eyes: one admin asks for an
// appointment, a second admin confirms it; only then does the representative act for the client
// (docs/consent.md, "Representatives"). The client is told at every step.
#pragma once

#include <string_view>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status AppointRepresentative(RequestContext& ctx, const v1::AppointRepresentativeRequest& req);
Status ConfirmRepresentative(RequestContext& ctx, const v1::ConfirmRepresentativeRequest& req);
Status ListRepresentations(RequestContext& ctx, const v1::ListRepresentationsRequest& req);
Status RefuseRepresentative(RequestContext& ctx, const v1::RefuseRepresentativeRequest& req);
Status EndRepresentation(RequestContext& ctx, const v1::EndRepresentationRequest& req);

// The legal basis of an appointment, trimmed of spaces at both ends, if it is a reference one
// can look up: valid UTF-8 of at most 200 bytes, at least 8 characters, at least one digit (a
// court decision or decision number), no characters that disguise text. INVALID_ARGUMENT else.
StatusOr<std::string> CheckRepresentationBasis(std::string_view basis);

}  // namespace kring::service
