// Sessions and accounts: login, resume, logout, who-am-i, create/disable account, password.
#include "server/service/account_actions.h"

#include <algorithm>
#include <optional>

#include "server/core/crypto.h"
#include "server/core/login_throttle.h"
#include "server/core/password.h"
#include "server/core/profile.h"
#include "server/core/text.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr size_t kTokenBytes = 32;  // 256 bits
constexpr size_t kMaxDisplayNameBytes = 200;
constexpr size_t kMaxProfessionBytes = 100;
constexpr size_t kMaxAppBytes = 100;

Status InvalidLogin() { return Unauthenticated("invalid handle or password"); }

// One password check of a connection: holds the connection's one slot for such checks and the
// throttle's count of the attempt. Finished with Done() once the password has been looked at,
// before the answer goes out, so that an app that waits for the answer may try again at once;
// destroyed unfinished (the work was refused or dropped), it is taken back as never made.
class PasswordCheck {
 public:
  // RESOURCE_EXHAUSTED with a retry hint while another password check of this connection is in
  // flight, or while the throttle refuses (handle, address) (login_throttle.h).
  static StatusOr<std::shared_ptr<PasswordCheck>> Begin(RequestContext& ctx,
                                                        std::string_view handle,
                                                        std::string_view address) {
    ServiceImpl& service = ctx.service();
    const std::shared_ptr<ConnectionImpl>& connection = ctx.connection_ptr();
    if (!connection->BeginPasswordCheck()) {
      return ResourceExhausted(
                 "a password check of this connection is still running; wait for its answer")
          .set_retry_after_ms(
              static_cast<uint64_t>(std::max<int64_t>(service.options.throttle.busy_retry_ms, 1)));
    }
    auto attempt = service.throttle.Begin(handle, address);
    if (!attempt.ok()) {
      connection->EndPasswordCheck();
      return attempt.status();
    }
    return std::make_shared<PasswordCheck>(connection, std::move(*attempt));
  }

  PasswordCheck(std::shared_ptr<ConnectionImpl> connection, LoginThrottle::Attempt attempt)
      : connection_(std::move(connection)), attempt_(std::move(attempt)) {}
  ~PasswordCheck() { Done(std::nullopt); }
  PasswordCheck(const PasswordCheck&) = delete;
  PasswordCheck& operator=(const PasswordCheck&) = delete;

  // `right`: whether the password was right (nullopt: it was never checked). Once only.
  void Done(std::optional<bool> right) {
    if (!connection_) return;
    if (right) *right ? attempt_.Succeeded() : attempt_.Failed();
    connection_->EndPasswordCheck();
    connection_.reset();
  }

 private:
  std::shared_ptr<ConnectionImpl> connection_;  // null once done
  LoginThrottle::Attempt attempt_;              // taken back if never finished
};

std::string Truncated(std::string_view s, size_t max) {
  s = s.substr(0, max);
  std::string out(s);
  return IsValidUtf8(out) ? out : std::string();
}

}  // namespace

Status ValidateCreateAccount(const v1::CreateAccountRequest& req) {
  if (!CanonicalHandle(req.handle())) {
    // Say which character, when it is one that would disguise the handle.
    KRING_RETURN_IF_ERROR(CheckNameCharacters(req.handle(), "the handle"));
    return InvalidArgument("a handle is 1 to 64 characters of a-z, 0-9, '.', '_' and '-'");
  }
  switch (req.kind()) {
    case v1::ACCOUNT_KIND_CLIENT:
    case v1::ACCOUNT_KIND_MEMBER:
    case v1::ACCOUNT_KIND_ADMIN:
    case v1::ACCOUNT_KIND_AUDITOR:
      break;
    default:
      return InvalidArgument("kind must be client, member, admin or auditor");
  }
  if (!IsValidUtf8(req.display_name()) || req.display_name().size() > kMaxDisplayNameBytes) {
    return InvalidArgument("display_name must be valid UTF-8 of at most 200 bytes");
  }
  KRING_RETURN_IF_ERROR(CheckNameCharacters(req.display_name(), "the display name"));
  if (!IsValidUtf8(req.profession()) || req.profession().size() > kMaxProfessionBytes) {
    return InvalidArgument("profession must be valid UTF-8 of at most 100 bytes");
  }
  KRING_RETURN_IF_ERROR(CheckNameCharacters(req.profession(), "the profession"));
  return CheckPasswordLength(req.password());
}

StatusOr<v1::Account> StageNewAccount(storage::Transaction& txn,
                                      const v1::CreateAccountRequest& req,
                                      const std::string& password_hash, int64_t now_ms,
                                      bool one_time_password) {
  std::string handle = *CanonicalHandle(req.handle());
  KRING_ASSIGN_OR_RETURN(auto existing, records::FindAccountId(txn, handle));
  if (existing) return AlreadyExists("the handle \"" + handle + "\" is taken");
  KRING_ASSIGN_OR_RETURN(uint64_t id, records::AllocateId(txn));
  store::AccountRecord record;
  v1::Account* account = record.mutable_account();
  account->set_id(id);
  account->set_handle(handle);
  account->set_kind(req.kind());
  account->set_display_name(req.display_name());
  account->set_profession(req.profession());
  account->set_created_at_ms(now_ms);
  account->set_language(std::string(kDefaultLanguage));
  account->set_time_zone(std::string(kDefaultTimeZone));
  account->set_must_change_password(one_time_password);
  record.set_password_hash(password_hash);
  record.set_must_change_password(one_time_password);
  records::AddAccount(txn, record);
  return record.account();
}

Status Login(RequestContext& ctx, const v1::LoginRequest& req) {
  ServiceImpl& service = ctx.service();
  const std::string address(AddressWithoutPort(ctx.connection().peer().address));
  std::optional<std::string> handle = CanonicalHandle(req.handle());
  const std::string throttle_key = handle.value_or("?");
  // Refused without looking at the password, and so without a record, like a throttled login:
  // a connection pipelining logins gets one check at a time, and its refusals fill no log.
  auto begun = PasswordCheck::Begin(ctx, throttle_key, address);
  if (!begun.ok()) {
    ctx.AnswerUnrecorded(begun.status());
    return Status::Ok();
  }
  std::shared_ptr<PasswordCheck> check = std::move(*begun);
  AuditDraft& audit = ctx.audit();
  audit.event.set_app(Truncated(req.app(), kMaxAppBytes));
  if (handle) audit.event.set_object_handle(*handle);
  std::optional<store::AccountRecord> record;
  if (handle) {
    KRING_ASSIGN_OR_RETURN(auto account_id, records::FindAccountId(service.store, *handle));
    if (account_id) {
      KRING_ASSIGN_OR_RETURN(record, records::GetAccount(service.store, *account_id));
    }
  }
  if (record) audit.event.set_actor_id(record->account().id());
  // Argon2 takes tens of milliseconds: off the io thread, on the password pool. A full pool
  // refuses, unrecorded, as the throttle does: the password was not looked at.
  Status posted = service.password_pool.Post([self = ctx.self(), check, record = std::move(record),
                                              address, app = audit.event.app(),
                                              password = req.password()] {
    ServiceImpl& service = self->service();
    bool valid = record ? VerifyPassword(password, record->password_hash())
                        : (VerifyPassword(password, service.decoy_password_hash), false);
    const bool accepted = valid && !record->account().disabled();
    check->Done(accepted);
    if (!accepted) return self->Answer(InvalidLogin());
    const std::string token = Base64Url(service.random.Bytes(kTokenBytes));
    const std::string key = Sha256(token);
    const uint64_t account_id = record->account().id();
    self->Write([token, key, account_id, address, app](
                    RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
      ServiceImpl& service = ctx.service();
      // Checked again on the writer: the account may have been disabled meanwhile.
      KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(txn, account_id));
      if (!account || account->account().disabled()) return InvalidLogin();
      ctx.audit().event.set_actor_handle(account->account().handle());
      ctx.audit().event.set_actor_kind(account->account().kind());
      ctx.audit().event.set_actor_profession(account->account().profession());
      const int64_t now = service.clock.NowMs();
      store::SessionRecord session;
      session.set_account_id(account_id);
      session.set_created_at_ms(now);
      session.set_expires_at_ms(now + service.options.session_ttl_ms);
      session.set_session_epoch(account->session_epoch());
      session.set_source_address(address);
      session.set_app(app);
      records::PutSession(txn, key, session);
      auto* result = out.response.mutable_login();
      result->set_token(token);
      result->set_expires_at_ms(session.expires_at_ms());
      *result->mutable_account() = account->account();
      out.effects.push_back([&ctx, key, account_id, expires = session.expires_at_ms()] {
        ctx.connection().SetAuth(SessionAuth{account_id, key, expires});
        ctx.service().hub.Attach(ctx.connection_ptr(), account_id, key, expires);
      });
      return Status::Ok();
    });
  });
  if (!posted.ok()) ctx.AnswerUnrecorded(posted);
  return Status::Ok();
}

Status ResumeSession(RequestContext& ctx, const v1::ResumeSessionRequest& req) {
  ServiceImpl& service = ctx.service();
  ConnectionImpl& connection = ctx.connection();
  const std::string key = Sha256(req.token());
  KRING_ASSIGN_OR_RETURN(auto session, records::GetSession(service.store, key));
  AuditDraft& audit = ctx.audit();
  if (session) audit.event.set_actor_id(session->account_id());
  // Recorded like a failed login: while the throttle lets it through, and counted by it, so
  // that a connection that never logged in cannot fill the log with guessed tokens. Throttled,
  // the answer is the same (apps log in on UNAUTHENTICATED) but nothing is recorded. The handle
  // key is per address: "?" and "@" never occur in a handle.
  auto refuse = [&] {
    const Status invalid = Unauthenticated("the session is not valid (expired or ended): log in");
    const std::string address(AddressWithoutPort(connection.peer().address));
    const std::string throttle_key = "?resume@" + address;
    if (!service.throttle.Check(throttle_key, address).ok()) {
      ctx.AnswerUnrecorded(invalid);
      return Status::Ok();
    }
    service.throttle.RecordFailure(throttle_key, address);
    return invalid;
  };
  if (!session || session->expires_at_ms() <= service.clock.NowMs()) return refuse();
  const SessionAuth previous = connection.auth();
  connection.SetAuth(SessionAuth{session->account_id(), key, session->expires_at_ms()});
  service.hub.Attach(ctx.connection_ptr(), session->account_id(), key, session->expires_at_ms());
  // Checked after attaching: a logout or disable that commits concurrently either sees this
  // connection in the hub or is seen here.
  auto actor = ctx.Authenticate(service.store, &audit);
  if (!actor.ok()) {
    service.hub.Detach(&connection);
    connection.SetAuth(previous);
    return refuse();
  }
  KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(service.store, actor->account_id));
  if (!account) return Internal("account vanished");
  v1::Response response;
  *response.mutable_resume_session()->mutable_account() = account->account();
  response.mutable_resume_session()->set_expires_at_ms(session->expires_at_ms());
  ctx.Answer(std::move(response));
  return Status::Ok();
}

Status Logout(RequestContext& ctx, const v1::LogoutRequest&) {
  const std::string key = ctx.connection().auth().session_key;
  ctx.Write([key](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    records::DeleteSession(txn, key);
    out.response.mutable_logout();
    // After the reply, so the app hears "ok" before its connections close.
    out.after_reply.push_back([&ctx, key] { ctx.service().hub.EndSession(key, "logged out"); });
    return Status::Ok();
  });
  return Status::Ok();
}

Status WhoAmI(RequestContext& ctx, const v1::WhoAmIRequest&) {
  const storage::Store& store = ctx.service().store;
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(store, &ctx.audit()));
  KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(store, actor.account_id));
  if (!account) return Internal("account vanished");
  v1::Response response;
  *response.mutable_who_am_i()->mutable_account() = account->account();
  response.mutable_who_am_i()->set_expires_at_ms(ctx.connection().auth().expires_ms);
  ctx.Answer(std::move(response));
  return Status::Ok();
}

Status CreateAccount(RequestContext& ctx, const v1::CreateAccountRequest& req) {
  // Cheap checks first, so nobody but an admin can make the server hash a password.
  ctx.audit().event.set_object_handle(CanonicalHandle(req.handle()).value_or(""));
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(ctx.service().store, &ctx.audit()));
  KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
  KRING_RETURN_IF_ERROR(ValidateCreateAccount(req));
  return ctx.service().password_pool.Post([self = ctx.self(), req] {
    ServiceImpl& service = self->service();
    auto hash = HashPassword(req.password(), service.options.password, service.random);
    if (!hash.ok()) return self->Answer(hash.status());
    self->Write([req, hash = *hash](RequestContext& ctx, storage::Transaction& txn,
                                    WriteOutcome& out) -> Status {
      KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
      KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
      KRING_ASSIGN_OR_RETURN(
          v1::Account account,
          StageNewAccount(txn, req, hash, ctx.service().clock.NowMs(), req.one_time_password()));
      ctx.audit().event.set_object_id(account.id());
      *out.response.mutable_create_account()->mutable_account() = std::move(account);
      return Status::Ok();
    });
  });
}

Status DisableAccount(RequestContext& ctx, const v1::DisableAccountRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
    std::optional<std::string> handle = CanonicalHandle(req.handle());
    if (!handle) return InvalidArgument("not a valid handle");
    ctx.audit().event.set_object_handle(*handle);
    KRING_ASSIGN_OR_RETURN(auto target_id, records::FindAccountId(txn, *handle));
    if (!target_id) return NotFound("no account \"" + *handle + "\"");
    ctx.audit().event.set_object_id(*target_id);
    if (*target_id == actor.account_id) {
      return FailedPrecondition("an admin cannot disable their own account");
    }
    KRING_ASSIGN_OR_RETURN(auto record, records::GetAccount(txn, *target_id));
    if (!record) return Internal("handle without account");
    record->mutable_account()->set_disabled(true);
    record->set_session_epoch(record->session_epoch() + 1);  // ends every session
    records::PutAccount(txn, *record);
    out.response.mutable_disable_account();
    out.effects.push_back([&ctx, target = *target_id] {
      ctx.service().hub.EndAccount(target, "the account was disabled");
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status ChangePassword(RequestContext& ctx, const v1::ChangePasswordRequest& req) {
  ServiceImpl& service = ctx.service();
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(service.store, &ctx.audit()));
  KRING_RETURN_IF_ERROR(CheckPasswordLength(req.new_password()));
  // Compared as given, before any hashing: "changing" a one-time password to itself would make
  // it last for ever.
  if (req.new_password() == req.old_password()) {
    return InvalidArgument("the new password must differ from the current one");
  }
  // Checking the current password is a login by other means: throttled and counted like one, so
  // that a session cannot be used to guess its account's password faster than a login could.
  KRING_ASSIGN_OR_RETURN(
      std::shared_ptr<PasswordCheck> check,
      PasswordCheck::Begin(ctx, actor.handle, AddressWithoutPort(ctx.connection().peer().address)));
  KRING_ASSIGN_OR_RETURN(auto record, records::GetAccount(service.store, actor.account_id));
  if (!record) return Internal("account vanished");
  return service.password_pool.Post([self = ctx.self(), req, check,
                                     old_hash = record->password_hash(),
                                     account_id = actor.account_id] {
    ServiceImpl& service = self->service();
    if (!VerifyPassword(req.old_password(), old_hash)) {
      check->Done(false);
      return self->Answer(PermissionDenied("the current password is wrong"));
    }
    auto hash = HashPassword(req.new_password(), service.options.password, service.random);
    check->Done(true);
    if (!hash.ok()) return self->Answer(hash.status());
    self->Write([account_id, old_hash, hash = *hash](RequestContext& ctx, storage::Transaction& txn,
                                                     WriteOutcome& out) -> Status {
      KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
      KRING_ASSIGN_OR_RETURN(auto record, records::GetAccount(txn, account_id));
      if (!record || actor.account_id != account_id) return Internal("account vanished");
      if (record->password_hash() != old_hash) {
        return FailedPrecondition("the password changed meanwhile; try again");
      }
      record->set_password_hash(hash);
      // Whoever else knew the old password (a stolen session, the one-time password's other
      // logins) must not keep a session: every other session ends, this one carries on under the
      // new epoch.
      const std::string key = ctx.connection().auth().session_key;
      KRING_ASSIGN_OR_RETURN(auto session, records::GetSession(txn, key));
      if (!session) return Unauthenticated("the session has ended");
      const bool was_one_time = record->must_change_password();
      record->set_must_change_password(false);
      record->set_session_epoch(record->session_epoch() + 1);
      session->set_session_epoch(record->session_epoch());
      records::PutSession(txn, key, *session);
      out.effects.push_back([&ctx, account_id, key, was_one_time] {
        ctx.service().hub.EndAccount(
            account_id,
            was_one_time ? "the one-time password was changed" : "the password was changed", key);
      });
      records::PutAccount(txn, *record);
      out.response.mutable_change_password();
      return Status::Ok();
    });
  });
}

}  // namespace kring::service
