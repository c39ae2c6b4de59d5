// The shared plan (PIP; issue 15, item 1; docs/plan.md): read it, its changes and versions; set
// its frame, goals and actions; make and acknowledge formal versions. The rules are in
// server/core/plan.h and authorize.h; these actions store the plan with its access-log record
// in one write and tell those who may read it at that moment (PlanChanged).
#pragma once

#include <cstdint>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status GetPlan(RequestContext& ctx, const v1::GetPlanRequest& req);
Status ListPlanChanges(RequestContext& ctx, const v1::ListPlanChangesRequest& req);
Status SetPlanFrame(RequestContext& ctx, const v1::SetPlanFrameRequest& req);
Status SetPlanGoal(RequestContext& ctx, const v1::SetPlanGoalRequest& req);
Status SetPlanAction(RequestContext& ctx, const v1::SetPlanActionRequest& req);
Status MakePlanVersion(RequestContext& ctx, const v1::MakePlanVersionRequest& req);
Status AcknowledgePlanVersion(RequestContext& ctx, const v1::AcknowledgePlanVersionRequest& req);

// The accounts that may read the network's plan at now_ms (ReadsPlan): the client, the
// representatives, and the members (in person, or people through an admitted team) whose
// standing allows it. Who gets a PlanChanged event; decided inside the write, so that it follows
// every earlier change of consent.
StatusOr<std::vector<uint64_t>> PlanReaders(const storage::ReadView& view,
                                            const v1::Network& network, int64_t now_ms);

}  // namespace kring::service
