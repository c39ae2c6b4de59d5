// Corrections and retractions of messages (issue 15, item 3; actions.h): correction_actions.cc.
#pragma once

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status CorrectMessage(RequestContext& ctx, const v1::CorrectMessageRequest& req);
Status RetractMessage(RequestContext& ctx, const v1::RetractMessageRequest& req);
Status ListMessageVersions(RequestContext& ctx, const v1::ListMessageVersionsRequest& req);
Status FetchMessageChanges(RequestContext& ctx, const v1::FetchMessageChangesRequest& req);

}  // namespace kring::service
