// Teams (actions.h): team_actions.cc. An organisational care team is itself a member of
// networks; its people have the team's access there while they are in it (docs/consent.md,
// "Teams"). The rules are in server/core/authorize.h; these actions store the records and cut
// live delivery before the response.
#pragma once

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status CreateTeam(RequestContext& ctx, const v1::CreateTeamRequest& req);
Status SetTeamPerson(RequestContext& ctx, const v1::SetTeamPersonRequest& req);
Status RemoveTeamPerson(RequestContext& ctx, const v1::RemoveTeamPersonRequest& req);
Status ListTeams(RequestContext& ctx, const v1::ListTeamsRequest& req);
Status ListTeamPeople(RequestContext& ctx, const v1::ListTeamPeopleRequest& req);
Status SetTeamExclusion(RequestContext& ctx, const v1::SetTeamExclusionRequest& req);

// The team's people with their handles, names and professions filled in from their accounts;
// `current_at_ms` (if not 0): only those in the team at that instant.
StatusOr<std::vector<v1::TeamPerson>> TeamPeopleView(const storage::ReadView& view,
                                                     uint64_t team_id, int64_t current_at_ms);

// The team's coordinators in their period at now_ms: those told of the team's invitations and
// who list them (docs/consent.md, "Teams").
StatusOr<std::vector<uint64_t>> TeamCoordinatorsAt(const storage::ReadView& view, uint64_t team_id,
                                                   int64_t now_ms);

}  // namespace kring::service
