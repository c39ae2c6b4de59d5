// Sessions, accounts and the caller's profile (actions.h): account_actions.cc,
// account_list_actions.cc, profile_actions.cc.
#pragma once

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status Login(RequestContext& ctx, const v1::LoginRequest& req);
Status ResumeSession(RequestContext& ctx, const v1::ResumeSessionRequest& req);
Status Logout(RequestContext& ctx, const v1::LogoutRequest& req);
Status WhoAmI(RequestContext& ctx, const v1::WhoAmIRequest& req);
Status CreateAccount(RequestContext& ctx, const v1::CreateAccountRequest& req);
Status DisableAccount(RequestContext& ctx, const v1::DisableAccountRequest& req);
Status ChangePassword(RequestContext& ctx, const v1::ChangePasswordRequest& req);
Status UpdateProfile(RequestContext& ctx, const v1::UpdateProfileRequest& req);
Status ListAccounts(RequestContext& ctx, const v1::ListAccountsRequest& req);

// INVALID_ARGUMENT unless the request's fields are well-formed (not whether it is allowed).
Status ValidateCreateAccount(const v1::CreateAccountRequest& req);

// Stages a new account (shared by CreateAccount and Service::CreateAccountOffline). With
// `one_time_password` its sessions may only change the password until it is changed.
StatusOr<v1::Account> StageNewAccount(storage::Transaction& txn,
                                      const v1::CreateAccountRequest& req,
                                      const std::string& password_hash, int64_t now_ms,
                                      bool one_time_password);

}  // namespace kring::service
