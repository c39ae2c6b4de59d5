// The access log (actions.h): audit_actions.cc.
#pragma once

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status QueryAudit(RequestContext& ctx, const v1::QueryAuditRequest& req);
Status MyAccessLog(RequestContext& ctx, const v1::MyAccessLogRequest& req);
Status VerifyAuditChain(RequestContext& ctx, const v1::VerifyAuditChainRequest& req);
Status AuditCheckpoint(RequestContext& ctx, const v1::AuditCheckpointRequest& req);

}  // namespace kring::service
