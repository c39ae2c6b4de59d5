// The Kring service: accounts, sessions, networks, membership, threads and messages.
//
// No sockets here: the transport hands each connection to Accept() and feeds it frames. Every
// state change goes one way through: decode -> authenticate -> authorize (authorize.h) -> one
// atomic WriteBatch applied by the Writer with a synced WAL write -> response and events.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kring/v1/kring.pb.h"
#include "server/core/clock.h"
#include "server/core/login_throttle.h"
#include "server/core/password.h"
#include "server/core/random.h"
#include "server/core/request_rate.h"
#include "server/core/status.h"
#include "server/service/connection.h"
#include "server/storage/attachment_area.h"
#include "server/storage/store.h"

namespace kring::service {

// Threads one Subscribe may name (docs/protocol.md). Each thread it starts leaves a record, so
// this bounds what one frame can add to the access log.
inline constexpr size_t kMaxSubscribeCursors = 100;

struct ServiceOptions {
  size_t max_message_bytes = 16 * 1024;
  // The transport's per-connection send queue limit (config limits.max_outbound_bytes). Backlog
  // reads are paged and paced to stay well inside it.
  size_t send_queue_bytes = 8 * 1024 * 1024;
  int64_t session_ttl_ms = 12 * 60 * 60'000;          // a session lasts 12 hours from login
  int64_t invitation_ttl_ms = 14 * 24 * 60 * 60'000;  // an invitation waits 14 days at most
  uint32_t max_history_page = 500;
  size_t writer_max_group = 1024;  // most requests committed with one fsync
  // Password work (Argon2: Login, ChangePassword, CreateAccount) runs on threads of its own,
  // never on io threads; at most password_queue checks wait for one (more are refused with
  // RESOURCE_EXHAUSTED).
  size_t password_threads = 2;
  size_t password_queue = 128;
  // Reads too large for an io thread (backlog pages, verifying the audit chain) have their own
  // threads too, so that password work can never delay them. A backlog page that finds
  // read_queue waiting closes its connection with 1013 (the app resumes from its cursors).
  size_t read_threads = 2;
  size_t read_queue = 16384;
  PasswordPolicy password;
  LoginThrottlePolicy throttle;
  // Requests one connection may send, and all connections of one account together (token
  // buckets: request_rate.h). Over either: RESOURCE_EXHAUSTED with retry_after_ms, and the
  // request is neither handled nor recorded. Far above what an app sends (a burst at start-up,
  // then a few a second) and what a fanout benchmark sender reaches (~150/s).
  RatePolicy connection_rate{.per_second = 500, .burst = 1000};
  RatePolicy account_rate{.per_second = 1000, .burst = 2000};
  // Names this server in every access-log record and checkpoint.
  std::string server_id = "kringd";
  // Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints; empty: none are signed.
  std::string audit_signing_key_pem;
  // Attachments (issue 15, item 2): where their files live, with their limits; null: uploads
  // are refused (FAILED_PRECONDITION). Must outlive the Service. Making an upload durable
  // (fsync, thumbnails) runs on file_threads threads of its own, at most file_queue waiting.
  storage::AttachmentArea* attachments = nullptr;
  size_t file_threads = 2;
  size_t file_queue = 256;
};

class ServiceImpl;

class Service final : public ConnectionAcceptor {
 public:
  // `store`, `clock` and `random` must outlive the Service.
  Service(storage::Store& store, const Clock& clock, Random& random, ServiceOptions options);
  ~Service() override;  // calls Stop()

  // Starts the writer and the blocking pool. Not thread-safe with itself or Stop().
  Status Start();
  // Finishes queued writes and stops the threads. Idempotent.
  void Stop();

  std::shared_ptr<Connection> Accept(std::shared_ptr<ConnectionSink> sink, PeerInfo peer) override;
  bool Ready() const override;

  // Creates an account without a session, through the same write path as CreateAccount: for
  // `kringd admin create` and the first-start bootstrap admin. Blocks (hashes the password).
  // `one_time_password`: the password was made up and printed (the bootstrap admin's), so the
  // account must change it before anything else (v1.Account.must_change_password).
  StatusOr<v1::Account> CreateAccountOffline(const v1::CreateAccountRequest& request,
                                             bool one_time_password = false);

  // True if the store holds at least one account. Blocks on a store read.
  StatusOr<bool> HasAccounts() const;

 private:
  std::unique_ptr<ServiceImpl> impl_;
};

}  // namespace kring::service
