// Sessions and accounts: login, resume, logout, who-am-i, create/disable account, password.
#include <algorithm>
#include <optional>

#include "server/core/crypto.h"
#include "server/core/login_throttle.h"
#include "server/core/password.h"
#include "server/core/profile.h"
#include "server/core/text.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"

namespace kring::service {

using storage::Table;
using storage::keys::U64;

namespace {

constexpr size_t kTokenBytes = 32;  // 256 bits
constexpr size_t kMaxDisplayNameBytes = 200;
constexpr size_t kMaxProfessionBytes = 100;
constexpr size_t kMaxAppBytes = 100;

Status InvalidLogin() { return Unauthenticated("invalid handle or password"); }

std::string Truncated(std::string_view s, size_t max) {
  s = s.substr(0, max);
  std::string out(s);
  return IsValidUtf8(out) ? out : std::string();
}

}  // namespace

// One password check of a connection: holds the connection's one slot for such checks and the
// throttle's count of the attempt. Finished with Done() once the password has been looked at,
// before the answer goes out, so that an app that waits for the answer may try again at once;
// destroyed unfinished (the work was refused or dropped), it is taken back as never made.
class ConnectionImpl::PasswordCheck {
 public:
  // RESOURCE_EXHAUSTED with a retry hint while another password check of this connection is in
  // flight, or while the throttle refuses (handle, address) (login_throttle.h).
  static StatusOr<std::shared_ptr<PasswordCheck>> Begin(ConnectionImpl& connection,
                                                        std::string_view handle,
                                                        std::string_view address) {
    ServiceImpl& service = connection.service_;
    {
      std::lock_guard lock(connection.mu_);
      if (connection.password_check_in_flight_) {
        return ResourceExhausted(
                   "a password check of this connection is still running; wait "
                   "for its answer")
            .set_retry_after_ms(static_cast<uint64_t>(
                std::max<int64_t>(service.options.throttle.busy_retry_ms, 1)));
      }
      connection.password_check_in_flight_ = true;
    }
    auto attempt = service.throttle.Begin(handle, address);
    if (!attempt.ok()) {
      connection.EndPasswordCheck();
      return attempt.status();
    }
    return std::make_shared<PasswordCheck>(connection.shared_from_this(), std::move(*attempt));
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

void ConnectionImpl::EndPasswordCheck() {
  std::lock_guard lock(mu_);
  password_check_in_flight_ = false;
}

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
                                      const std::string& password_hash, int64_t now_ms) {
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
  record.set_password_hash(password_hash);
  records::PutProto(txn, Table::kAccounts, U64(id), record);
  txn.Put(Table::kHandles, handle, U64(id));
  return record.account();
}

void ConnectionImpl::Login(uint64_t id, const v1::LoginRequest& req) {
  const std::string address(AddressWithoutPort(peer_.address));
  std::optional<std::string> handle = CanonicalHandle(req.handle());
  const std::string throttle_key = handle.value_or("?");
  // Refused without looking at the password, and so without a record, like a throttled login:
  // a connection pipelining logins gets one check at a time, and its refusals fill no log.
  auto begun = PasswordCheck::Begin(*this, throttle_key, address);
  if (!begun.ok()) return ReplyError(id, begun.status());
  std::shared_ptr<PasswordCheck> check = std::move(*begun);
  std::optional<store::AccountRecord> record;
  if (handle) {
    auto account_id = records::FindAccountId(service_.store, *handle);
    if (!account_id.ok()) return ReplyError(id, account_id.status());
    if (*account_id) {
      auto found = records::GetAccount(service_.store, **account_id);
      if (!found.ok()) return ReplyError(id, found.status());
      record = std::move(*found);
    }
  }
  // Argon2 takes tens of milliseconds: off the io thread, on the password pool.
  Status posted = service_.password_pool.Post([self = shared_from_this(), id, check,
                                               record = std::move(record), throttle_key, address,
                                               password = req.password(),
                                               app = Truncated(req.app(), kMaxAppBytes)] {
    ServiceImpl& service = self->service_;
    bool valid = record ? VerifyPassword(password, record->password_hash())
                        : (VerifyPassword(password, service.decoy_password_hash), false);
    AuditDraft audit = self->NewAudit("login", v1::AUDIT_ACTION_EXECUTE);
    audit.event.set_app(app);
    if (throttle_key != "?") audit.event.set_object_handle(throttle_key);
    if (record) audit.event.set_actor_id(record->account().id());
    const bool accepted = valid && !record->account().disabled();
    check->Done(accepted);
    if (!accepted) return self->ReplyAudited(id, std::move(audit), InvalidLogin());
    const std::string token = Base64Url(service.random.Bytes(kTokenBytes));
    const std::string key = Sha256(token);
    const uint64_t account_id = record->account().id();
    self->Write(id, std::move(audit),
                [self, token, key, account_id, address, app](storage::Transaction& txn,
                                                             WriteOutcome& out) -> Status {
                  ServiceImpl& service = self->service_;
                  // Checked again on the writer: the account may have been disabled meanwhile.
                  KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(txn, account_id));
                  if (!account || account->account().disabled()) return InvalidLogin();
                  out.audit.event.set_actor_handle(account->account().handle());
                  out.audit.event.set_actor_kind(account->account().kind());
                  out.audit.event.set_actor_profession(account->account().profession());
                  const int64_t now = service.clock.NowMs();
                  store::SessionRecord session;
                  session.set_account_id(account_id);
                  session.set_created_at_ms(now);
                  session.set_expires_at_ms(now + service.options.session_ttl_ms);
                  session.set_session_epoch(account->session_epoch());
                  session.set_source_address(address);
                  session.set_app(app);
                  records::PutProto(txn, Table::kSessions, key, session);
                  auto* result = out.response.mutable_login();
                  result->set_token(token);
                  result->set_expires_at_ms(session.expires_at_ms());
                  *result->mutable_account() = account->account();
                  out.effects.push_back([self, key, account_id, expires = session.expires_at_ms()] {
                    self->SetAuth(Auth{account_id, key, expires});
                    self->service_.hub.Attach(self, account_id, key, expires);
                  });
                  return Status::Ok();
                });
  });
  if (!posted.ok()) ReplyError(id, posted);  // not checked: nothing to record, as throttled
}

void ConnectionImpl::ResumeSession(uint64_t id, const v1::ResumeSessionRequest& req) {
  const std::string key = Sha256(req.token());
  auto session = records::GetSession(service_.store, key);
  if (!session.ok()) return ReplyError(id, session.status());
  AuditDraft audit = NewAudit("session.resumed", v1::AUDIT_ACTION_EXECUTE);
  if (*session) audit.event.set_actor_id((*session)->account_id());
  // Recorded like a failed login: while the throttle lets it through, and counted by it, so
  // that a connection that never logged in cannot fill the log with guessed tokens. Throttled,
  // the answer is the same (apps log in on UNAUTHENTICATED) but nothing is recorded. The handle
  // key is per address: "?" and "@" never occur in a handle.
  auto refuse = [&](AuditDraft draft) {
    const Status invalid = Unauthenticated("the session is not valid (expired or ended): log in");
    const std::string address(AddressWithoutPort(peer_.address));
    const std::string throttle_key = "?resume@" + address;
    if (!service_.throttle.Check(throttle_key, address).ok()) return ReplyError(id, invalid);
    service_.throttle.RecordFailure(throttle_key, address);
    ReplyAudited(id, std::move(draft), invalid);
  };
  if (!*session || (*session)->expires_at_ms() <= service_.clock.NowMs()) {
    return refuse(std::move(audit));
  }
  const Auth previous = auth();
  SetAuth(Auth{(*session)->account_id(), key, (*session)->expires_at_ms()});
  service_.hub.Attach(shared_from_this(), (*session)->account_id(), key,
                      (*session)->expires_at_ms());
  // Checked after attaching: a logout or disable that commits concurrently either sees this
  // connection in the hub or is seen here.
  auto actor = Authenticate(service_.store, &audit);
  if (!actor.ok()) {
    service_.hub.Detach(this);
    SetAuth(previous);
    return refuse(std::move(audit));
  }
  auto account = records::GetAccount(service_.store, actor->account_id);
  if (!account.ok() || !*account) return ReplyError(id, Internal("account vanished"));
  v1::Response response;
  *response.mutable_resume_session()->mutable_account() = (*account)->account();
  response.mutable_resume_session()->set_expires_at_ms((*session)->expires_at_ms());
  ReplyAudited(id, std::move(audit), std::move(response));
}

void ConnectionImpl::Logout(uint64_t id) {
  const std::string key = auth().session_key;
  Write(id, NewAudit("logout", v1::AUDIT_ACTION_EXECUTE),
        [self = shared_from_this(), key](storage::Transaction& txn, WriteOutcome& out) -> Status {
          KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
          txn.Delete(Table::kSessions, key);
          out.response.mutable_logout();
          // After the reply, so the app hears "ok" before its connections close.
          out.after_reply.push_back(
              [self, key] { self->service_.hub.EndSession(key, "logged out"); });
          return Status::Ok();
        });
}

void ConnectionImpl::WhoAmI(uint64_t id) {
  auto actor = Authenticate(service_.store);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  auto account = records::GetAccount(service_.store, actor->account_id);
  if (!account.ok() || !*account) return ReplyError(id, Internal("account vanished"));
  v1::Response response;
  *response.mutable_who_am_i()->mutable_account() = (*account)->account();
  response.mutable_who_am_i()->set_expires_at_ms(auth().expires_ms);
  Reply(id, std::move(response));
}

void ConnectionImpl::CreateAccount(uint64_t id, const v1::CreateAccountRequest& req) {
  // Cheap checks first, so nobody but an admin can make the server hash a password.
  AuditDraft audit = NewAudit("account.created", v1::AUDIT_ACTION_CREATE);
  audit.event.set_object_handle(CanonicalHandle(req.handle()).value_or(""));
  auto actor = Authenticate(service_.store, &audit);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  if (Status s = AuthorizeAccountAdmin(*actor); !s.ok()) {
    return ReplyAudited(id, std::move(audit), s);
  }
  if (Status s = ValidateCreateAccount(req); !s.ok()) return ReplyAudited(id, std::move(audit), s);
  Status posted = service_.password_pool.Post([self = shared_from_this(), id, req, audit] {
    ServiceImpl& service = self->service_;
    auto hash = HashPassword(req.password(), service.options.password, service.random);
    if (!hash.ok()) return self->ReplyAudited(id, audit, hash.status());
    self->Write(id, audit,
                [self, req, hash = *hash](storage::Transaction& txn, WriteOutcome& out) -> Status {
                  KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
                  KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
                  KRING_ASSIGN_OR_RETURN(
                      v1::Account account,
                      StageNewAccount(txn, req, hash, self->service_.clock.NowMs()));
                  out.audit.event.set_object_id(account.id());
                  *out.response.mutable_create_account()->mutable_account() = std::move(account);
                  return Status::Ok();
                });
  });
  if (!posted.ok()) ReplyAudited(id, std::move(audit), posted);
}

void ConnectionImpl::DisableAccount(uint64_t id, const v1::DisableAccountRequest& req) {
  Write(id, NewAudit("account.disabled", v1::AUDIT_ACTION_UPDATE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
          KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
          KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
          std::optional<std::string> handle = CanonicalHandle(req.handle());
          if (!handle) return InvalidArgument("not a valid handle");
          out.audit.event.set_object_handle(*handle);
          KRING_ASSIGN_OR_RETURN(auto target_id, records::FindAccountId(txn, *handle));
          if (!target_id) return NotFound("no account \"" + *handle + "\"");
          out.audit.event.set_object_id(*target_id);
          if (*target_id == actor.account_id) {
            return FailedPrecondition("an admin cannot disable their own account");
          }
          KRING_ASSIGN_OR_RETURN(auto record, records::GetAccount(txn, *target_id));
          if (!record) return Internal("handle without account");
          record->mutable_account()->set_disabled(true);
          record->set_session_epoch(record->session_epoch() + 1);  // ends every session
          records::PutProto(txn, Table::kAccounts, U64(*target_id), *record);
          out.response.mutable_disable_account();
          out.effects.push_back([self, target = *target_id] {
            self->service_.hub.EndAccount(target, "the account was disabled");
          });
          return Status::Ok();
        });
}

void ConnectionImpl::ChangePassword(uint64_t id, const v1::ChangePasswordRequest& req) {
  AuditDraft audit = NewAudit("password.changed", v1::AUDIT_ACTION_UPDATE);
  auto actor = Authenticate(service_.store, &audit);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  if (Status s = CheckPasswordLength(req.new_password()); !s.ok()) {
    return ReplyAudited(id, std::move(audit), s);
  }
  // Checking the current password is a login by other means: throttled and counted like one, so
  // that a session cannot be used to guess its account's password faster than a login could.
  auto begun = PasswordCheck::Begin(*this, actor->handle, AddressWithoutPort(peer_.address));
  if (!begun.ok()) return ReplyAudited(id, std::move(audit), begun.status());
  std::shared_ptr<PasswordCheck> check = std::move(*begun);
  auto record = records::GetAccount(service_.store, actor->account_id);
  if (!record.ok() || !*record) return ReplyError(id, Internal("account vanished"));
  Status posted = service_.password_pool.Post([self = shared_from_this(), id, req, check,
                                               old_hash = (*record)->password_hash(),
                                               account_id = actor->account_id, audit] {
    ServiceImpl& service = self->service_;
    if (!VerifyPassword(req.old_password(), old_hash)) {
      check->Done(false);
      return self->ReplyAudited(id, audit, PermissionDenied("the current password is wrong"));
    }
    auto hash = HashPassword(req.new_password(), service.options.password, service.random);
    check->Done(true);
    if (!hash.ok()) return self->ReplyAudited(id, audit, hash.status());
    self->Write(id, audit,
                [self, account_id, old_hash, hash = *hash](storage::Transaction& txn,
                                                           WriteOutcome& out) -> Status {
                  KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
                  KRING_ASSIGN_OR_RETURN(auto record, records::GetAccount(txn, account_id));
                  if (!record || actor.account_id != account_id)
                    return Internal("account vanished");
                  if (record->password_hash() != old_hash) {
                    return FailedPrecondition("the password changed meanwhile; try again");
                  }
                  record->set_password_hash(hash);
                  records::PutProto(txn, Table::kAccounts, U64(account_id), *record);
                  out.response.mutable_change_password();
                  return Status::Ok();
                });
  });
  if (!posted.ok()) ReplyAudited(id, std::move(audit), posted);
}

}  // namespace kring::service
