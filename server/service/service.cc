#include "server/service/service.h"

#include <future>

#include "proto/kring/v1/audit_event_types.h"
#include "server/protocol/frames.h"
#include "server/service/account_actions.h"
#include "server/service/connection_impl.h"
#include "server/service/cookie_session.h"
#include "server/service/records.h"

namespace kring::service {

namespace {

// A backlog is read and sent a page at a time: at most this many messages, and about a quarter
// of the connection's send queue in bytes. The next page is read only once less than another
// quarter is queued, so catching up never fills the queue (which is at least one frame larger
// than any message) and a slow reader holds back only its own catch-up.
constexpr size_t kBacklogPageMessages = 256;

}  // namespace

ServiceImpl::ServiceImpl(storage::Store& store, const Clock& clock, Random& random,
                         ServiceOptions options)
    : store(store),
      clock(clock),
      random(random),
      options(options),
      writer(store, options.writer_max_group),
      hub(clock),
      throttle(clock, options.throttle),
      account_rate(clock, options.account_rate),
      password_pool("password", options.password_threads, options.password_queue),
      read_pool("read", options.read_threads, options.read_queue),
      file_pool("file", options.file_threads, options.file_queue) {
  writer.WatchTables(AccessTableMask(), [this] { access_cache.Clear(); });
}

void ServiceImpl::CatchUp(const std::shared_ptr<Subscription>& sub) {
  std::shared_ptr<EventTarget> target = sub->target();
  if (!target || sub->cancelled()) return;
  std::vector<std::pair<uint64_t, Frame>> page;
  size_t page_bytes = 0;
  bool page_full = false;
  // From next_seq on (at least 1: it is a subscription's after_seq + 1).
  Status status =
      records::HistoryPage(store, sub->thread_id(), sub->next_seq() - 1, kBacklogPageMessages,
                           [&](uint64_t seq, std::string_view value) {
                             page.emplace_back(seq, MessagePostedFrame(value));
                             page_bytes += page.back().second->size();
                             page_full = page.size() == kBacklogPageMessages ||
                                         page_bytes >= options.send_queue_bytes / 4;
                             return !page_full;
                           });
  // The scan starts at next_seq and sequences have no gaps, so a page that does not begin there
  // is a broken store; delivering nothing from it would re-read the same page forever.
  if (!status.ok() || (!page.empty() && page.front().first != sub->next_seq())) {
    // The subscriber cannot be served without a gap: make it reconnect and resume.
    target->EndSession("the server could not read history");
    return;
  }
  if (sub->DeliverBacklog(page, /*store_exhausted=*/!page_full, clock.NowMs()) !=
      Subscription::Backlog::kReadMore) {
    return;
  }
  // Read the next page once this one has (mostly) gone out; never on the transport's thread.
  target->WhenQueuedBelow(options.send_queue_bytes / 4, [this, sub] { PostCatchUp(sub); });
}

void ServiceImpl::PostCatchUp(const std::shared_ptr<Subscription>& sub) {
  Status posted = read_pool.Post([this, sub] { CatchUp(sub); });
  if (posted.ok()) return;
  if (std::shared_ptr<EventTarget> target = sub->target()) {
    target->TryAgainLater("the server is too busy to send history now; reconnect and resume");
  }
}

Service::Service(storage::Store& store, const Clock& clock, Random& random, ServiceOptions options)
    : impl_(std::make_unique<ServiceImpl>(store, clock, random, options)) {}

Service::~Service() { Stop(); }

Status Service::Start() {
  // A fixed decoy: its cost matches real hashes made with the same policy.
  KRING_ASSIGN_OR_RETURN(
      impl_->decoy_password_hash,
      HashPassword("decoy password, never valid", impl_->options.password, impl_->random));
  impl_->writer.Start();
  return Status::Ok();
}

void Service::Stop() {
  impl_->writer.Stop();
  impl_->password_pool.Shutdown();
  impl_->read_pool.Shutdown();
  impl_->file_pool.Shutdown();
}

std::shared_ptr<Connection> Service::Accept(std::shared_ptr<ConnectionSink> sink, PeerInfo peer) {
  std::string token = std::move(peer.session_token);
  peer.session_token.clear();
  if (!token.empty()) return AcceptResumed(*impl_, std::move(sink), std::move(peer), token);
  return std::make_shared<ConnectionImpl>(*impl_, std::move(sink), std::move(peer));
}

bool Service::Ready() const { return impl_->writer.running(); }

StatusOr<v1::Account> Service::CreateAccountOffline(const v1::CreateAccountRequest& request,
                                                    bool one_time_password) {
  KRING_RETURN_IF_ERROR(ValidateCreateAccount(request));
  KRING_ASSIGN_OR_RETURN(std::string hash,
                         HashPassword(request.password(), impl_->options.password, impl_->random));
  auto account = std::make_shared<v1::Account>();
  std::promise<Status> done;
  const int64_t now = impl_->clock.NowMs();
  impl_->writer.Submit(
      Writer::Op{[&, account](storage::Transaction& txn) -> Status {
                   KRING_ASSIGN_OR_RETURN(
                       *account, StageNewAccount(txn, request, hash, now, one_time_password));
                   // An admin action at the server's console: on the record like any other.
                   v1::AuditEvent record;
                   record.set_event_type(std::string(v1::event_type::kAccountCreated));
                   record.set_action(v1::AUDIT_ACTION_CREATE);
                   record.set_app("kringd admin create");
                   record.set_object_id(account->id());
                   record.set_object_handle(account->handle());
                   return StageAudit(*impl_, txn, AuditDraft{record}, Status::Ok());
                 },
                 [&](const Status& status) { done.set_value(status); }});
  KRING_RETURN_IF_ERROR(done.get_future().get());
  return *account;
}

StatusOr<bool> Service::HasAccounts() const { return records::AnyAccount(impl_->store); }

}  // namespace kring::service
