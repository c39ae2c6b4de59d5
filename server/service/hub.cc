#include "server/service/hub.h"

#include <algorithm>

namespace kring::service {

// ---------------------------------------------------------------------------------------------
// Subscription

Subscription::Subscription(std::weak_ptr<EventTarget> target, uint64_t network_id,
                           uint64_t thread_id, uint64_t account_id, uint64_t after_seq,
                           int64_t session_expires_ms, Access access)
    : target_(target),
      owner_(target.lock().get()),
      network_id_(network_id),
      thread_id_(thread_id),
      account_id_(account_id),
      session_expires_ms_(session_expires_ms),
      first_seq_(after_seq + 1),
      next_seq_(after_seq + 1),
      access_(std::move(access)) {}

uint64_t Subscription::next_seq() const {
  std::lock_guard lock(mu_);
  return next_seq_;
}

bool Subscription::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

Subscription::Backlog Subscription::DeliverBacklog(
    const std::vector<std::pair<uint64_t, Frame>>& messages, bool store_exhausted, int64_t now_ms) {
  std::shared_ptr<EventTarget> target = target_.lock();
  std::function<void()> ended;
  std::unique_lock lock(mu_);
  if (cancelled_ || !target) return Backlog::kCancelled;
  if (ExpireIfDueLocked(now_ms, *target, ended)) {
    lock.unlock();
    ended();
    return Backlog::kCancelled;
  }
  for (const auto& [seq, frame] : messages) {
    if (seq != next_seq_) continue;  // already delivered (or not yet due)
    target->SendFrame(frame);
    ++next_seq_;
  }
  if (!store_exhausted) return Backlog::kReadMore;
  // Messages offered while we read may be newer than what the read saw: read again.
  if (max_offered_ >= next_seq_) return Backlog::kReadMore;
  catching_up_ = false;
  return Backlog::kCaughtUp;
}

bool Subscription::Offer(uint64_t seq, const Frame& frame) {
  std::shared_ptr<EventTarget> target = target_.lock();
  std::lock_guard lock(mu_);
  if (cancelled_ || !target) return true;
  max_offered_ = std::max(max_offered_, seq);
  if (catching_up_) return true;  // the backlog reader will pick it up from the store
  if (seq < next_seq_) return true;
  if (seq > next_seq_) {
    catching_up_ = true;
    return false;
  }
  target->SendFrame(frame);
  ++next_seq_;
  return true;
}

std::function<void()> Subscription::EndLocked() {
  if (cancelled_) return [] {};
  cancelled_ = true;
  if (!access_.on_end) return [] {};
  return [on_end = std::move(access_.on_end), first = first_seq_, last = next_seq_ - 1] {
    on_end(first, last);
  };
}

void Subscription::Cancel() {
  std::function<void()> ended;
  {
    std::lock_guard lock(mu_);
    ended = EndLocked();
  }
  ended();
}

bool Subscription::ExpireIfDueLocked(int64_t now_ms, EventTarget& target,
                                     std::function<void()>& ended) {
  if (cancelled_ || access_.until_ms == 0 || now_ms < access_.until_ms) return false;
  ended = EndLocked();
  if (access_.ended) target.SendFrame(access_.ended);
  return true;
}

bool Subscription::ExpireIfDue(int64_t now_ms) {
  std::shared_ptr<EventTarget> target = target_.lock();
  std::function<void()> ended;
  {
    std::lock_guard lock(mu_);
    if (!target || !ExpireIfDueLocked(now_ms, *target, ended)) return false;
  }
  ended();
  return true;
}

void Subscription::SetAccessUntil(int64_t until_ms) {
  std::lock_guard lock(mu_);
  access_.until_ms = until_ms;
}

// ---------------------------------------------------------------------------------------------
// Hub

void Hub::Attach(const std::shared_ptr<EventTarget>& target, uint64_t account_id,
                 std::string session_key, int64_t session_expires_ms) {
  std::lock_guard lock(mu_);
  auto it = attached_.find(target.get());
  if (it != attached_.end()) {
    CancelAllLocked(it->second);
    by_account_[it->second.account_id].erase(target.get());
    attached_.erase(it);
  }
  Attached& a = attached_[target.get()];
  a.target = target;
  a.account_id = account_id;
  a.session_key = std::move(session_key);
  a.session_expires_ms = session_expires_ms;
  by_account_[account_id].insert(target.get());
}

void Hub::Detach(EventTarget* target) {
  std::lock_guard lock(mu_);
  auto it = attached_.find(target);
  if (it == attached_.end()) return;
  CancelAllLocked(it->second);
  auto acc = by_account_.find(it->second.account_id);
  if (acc != by_account_.end()) {
    acc->second.erase(target);
    if (acc->second.empty()) by_account_.erase(acc);
  }
  attached_.erase(it);
}

void Hub::RemoveSubscriptionLocked(const std::shared_ptr<Subscription>& sub) {
  sub->Cancel();
  auto t = by_thread_.find(sub->thread_id());
  if (t != by_thread_.end()) {
    std::erase(t->second, sub);
    if (t->second.empty()) by_thread_.erase(t);
  }
  auto n = by_network_.find(sub->network_id());
  if (n != by_network_.end()) {
    auto c = n->second.find(sub->owner());
    if (c != n->second.end() && --c->second == 0) n->second.erase(c);
    if (n->second.empty()) by_network_.erase(n);
  }
}

void Hub::CancelAllLocked(Attached& attached) {
  for (auto& [key, sub] : attached.subs) RemoveSubscriptionLocked(sub);
  attached.subs.clear();
}

std::shared_ptr<Subscription> Hub::Subscribe(const std::shared_ptr<EventTarget>& target,
                                             uint64_t network_id, uint64_t thread_id,
                                             uint64_t after_seq, Subscription::Access access) {
  std::lock_guard lock(mu_);
  auto it = attached_.find(target.get());
  if (it == attached_.end()) return nullptr;
  Attached& a = it->second;
  auto key = std::make_pair(network_id, thread_id);
  if (auto old = a.subs.find(key); old != a.subs.end()) {
    RemoveSubscriptionLocked(old->second);
    a.subs.erase(old);
  }
  auto sub = std::make_shared<Subscription>(target, network_id, thread_id, a.account_id, after_seq,
                                            a.session_expires_ms, std::move(access));
  a.subs.emplace(key, sub);
  by_thread_[thread_id].push_back(sub);
  ++by_network_[network_id][target.get()];
  return sub;
}

void Hub::Unsubscribe(EventTarget* target, uint64_t network_id, uint64_t thread_id) {
  std::lock_guard lock(mu_);
  auto it = attached_.find(target);
  if (it == attached_.end()) return;
  auto& subs = it->second.subs;
  for (auto s = subs.begin(); s != subs.end();) {
    if (s->first.first == network_id && (thread_id == 0 || s->first.second == thread_id)) {
      RemoveSubscriptionLocked(s->second);
      s = subs.erase(s);
    } else {
      ++s;
    }
  }
}

std::vector<std::shared_ptr<Subscription>> Hub::PublishMessage(uint64_t thread_id, uint64_t seq,
                                                               const Frame& frame) {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    std::lock_guard lock(mu_);
    auto it = by_thread_.find(thread_id);
    if (it == by_thread_.end()) return {};
    subs = it->second;  // fan out outside the lock
  }
  const int64_t now = clock_.NowMs();
  std::vector<std::shared_ptr<Subscription>> gaps;
  std::vector<std::shared_ptr<Subscription>> ended;  // consent ended: drop from the maps
  std::vector<std::shared_ptr<EventTarget>> expired;
  for (const auto& sub : subs) {
    if (sub->session_expires_ms() <= now) {
      if (auto t = sub->target()) expired.push_back(std::move(t));
      sub->Cancel();
      continue;
    }
    if (sub->cancelled() || sub->ExpireIfDue(now)) {
      ended.push_back(sub);
      continue;
    }
    if (!sub->Offer(seq, frame)) gaps.push_back(sub);
  }
  if (!ended.empty()) {
    std::lock_guard lock(mu_);
    for (const auto& sub : ended) DropLocked(sub);
  }
  for (const auto& target : expired) {
    Detach(target.get());
    target->EndSession("session expired");
  }
  return gaps;
}

void Hub::DropLocked(const std::shared_ptr<Subscription>& sub) {
  if (auto it = attached_.find(const_cast<EventTarget*>(sub->owner())); it != attached_.end()) {
    auto& subs = it->second.subs;
    auto s = subs.find({sub->network_id(), sub->thread_id()});
    if (s != subs.end() && s->second == sub) subs.erase(s);
  }
  RemoveSubscriptionLocked(sub);
}

void Hub::CollectSubscribedLocked(uint64_t network_id, uint64_t thread_id, int64_t now_ms,
                                  std::set<EventTarget*>& out) {
  auto n = by_network_.find(network_id);
  if (n == by_network_.end()) return;
  for (const auto& [raw, count] : n->second) {
    auto it = attached_.find(const_cast<EventTarget*>(raw));
    if (it == attached_.end()) continue;
    const auto& subs = it->second.subs;
    for (auto s = subs.lower_bound({network_id, 0});
         s != subs.end() && s->first.first == network_id; ++s) {
      if (thread_id != 0 && s->first.second != thread_id) continue;
      if (s->second->cancelled() || s->second->ExpireIfDue(now_ms)) continue;
      out.insert(it->first);
      break;
    }
  }
}

void Hub::SendToLocked(const std::set<EventTarget*>& raw,
                       std::vector<std::shared_ptr<EventTarget>>& out) {
  for (EventTarget* target : raw) {
    auto it = attached_.find(target);
    if (it == attached_.end()) continue;
    if (auto t = it->second.target.lock()) out.push_back(std::move(t));
  }
}

void Hub::PublishToNetwork(uint64_t network_id, const std::vector<uint64_t>& accounts,
                           const Frame& frame) {
  PublishToThread(network_id, /*thread_id=*/0, accounts, frame);
}

void Hub::PublishToThread(uint64_t network_id, uint64_t thread_id,
                          const std::vector<uint64_t>& accounts, const Frame& frame) {
  const int64_t now = clock_.NowMs();
  std::vector<std::shared_ptr<EventTarget>> targets;
  {
    std::lock_guard lock(mu_);
    std::set<EventTarget*> seen;
    if (network_id != 0) CollectSubscribedLocked(network_id, thread_id, now, seen);
    for (uint64_t account : accounts) {
      if (auto a = by_account_.find(account); a != by_account_.end()) {
        seen.insert(a->second.begin(), a->second.end());
      }
    }
    SendToLocked(seen, targets);
  }
  for (const auto& t : targets) t->SendFrame(frame);
}

void Hub::PublishToThreadReaders(uint64_t network_id, uint64_t thread_id,
                                 const std::vector<uint64_t>& readers, const Frame& frame) {
  const int64_t now = clock_.NowMs();
  std::vector<std::shared_ptr<EventTarget>> targets;
  {
    std::lock_guard lock(mu_);
    std::set<EventTarget*> subscribed;
    CollectSubscribedLocked(network_id, thread_id, now, subscribed);
    for (EventTarget* raw : subscribed) {
      auto it = attached_.find(raw);
      if (it == attached_.end() ||
          std::find(readers.begin(), readers.end(), it->second.account_id) == readers.end()) {
        continue;
      }
      if (auto t = it->second.target.lock()) targets.push_back(std::move(t));
    }
  }
  for (const auto& t : targets) t->SendFrame(frame);
}

void Hub::PublishToAccount(uint64_t account_id, const Frame& frame) {
  PublishToNetwork(/*network_id=*/0, {account_id}, frame);
}

void Hub::EndAccess(uint64_t network_id, uint64_t account_id,
                    const std::vector<uint64_t>& thread_ids, const Frame& frame) {
  std::vector<std::shared_ptr<EventTarget>> targets;
  {
    std::lock_guard lock(mu_);
    auto acc = by_account_.find(account_id);
    if (acc == by_account_.end()) return;
    auto ends = [&](uint64_t thread_id) {
      return thread_ids.empty() ||
             std::find(thread_ids.begin(), thread_ids.end(), thread_id) != thread_ids.end();
    };
    for (EventTarget* raw : acc->second) {
      Attached& a = attached_[raw];
      for (auto s = a.subs.begin(); s != a.subs.end();) {
        if (s->first.first == network_id && ends(s->first.second)) {
          RemoveSubscriptionLocked(s->second);
          s = a.subs.erase(s);
        } else {
          ++s;
        }
      }
      if (auto t = a.target.lock()) targets.push_back(std::move(t));
    }
  }
  for (const auto& t : targets) t->SendFrame(frame);
}

void Hub::SetAccessUntil(uint64_t network_id, uint64_t account_id, int64_t until_ms) {
  std::lock_guard lock(mu_);
  auto acc = by_account_.find(account_id);
  if (acc == by_account_.end()) return;
  for (EventTarget* raw : acc->second) {
    auto it = attached_.find(raw);
    if (it == attached_.end()) continue;
    auto& subs = it->second.subs;
    for (auto s = subs.lower_bound({network_id, 0});
         s != subs.end() && s->first.first == network_id; ++s) {
      s->second->SetAccessUntil(until_ms);
    }
  }
}

template <typename Pred>
std::vector<std::shared_ptr<EventTarget>> Hub::DetachWhereLocked(Pred pred) {
  std::vector<std::shared_ptr<EventTarget>> targets;
  for (auto it = attached_.begin(); it != attached_.end();) {
    if (!pred(it->second)) {
      ++it;
      continue;
    }
    CancelAllLocked(it->second);
    if (auto t = it->second.target.lock()) targets.push_back(std::move(t));
    auto acc = by_account_.find(it->second.account_id);
    if (acc != by_account_.end()) {
      acc->second.erase(it->first);
      if (acc->second.empty()) by_account_.erase(acc);
    }
    it = attached_.erase(it);
  }
  return targets;
}

void Hub::EndSession(const std::string& session_key, std::string_view reason) {
  std::vector<std::shared_ptr<EventTarget>> targets;
  {
    std::lock_guard lock(mu_);
    targets = DetachWhereLocked([&](const Attached& a) { return a.session_key == session_key; });
  }
  for (const auto& t : targets) t->EndSession(reason);
}

void Hub::EndAccount(uint64_t account_id, std::string_view reason, std::string_view keep_session) {
  std::vector<std::shared_ptr<EventTarget>> targets;
  {
    std::lock_guard lock(mu_);
    targets = DetachWhereLocked([&](const Attached& a) {
      return a.account_id == account_id && (keep_session.empty() || a.session_key != keep_session);
    });
  }
  for (const auto& t : targets) t->EndSession(reason);
}

size_t Hub::connection_count() const {
  std::lock_guard lock(mu_);
  return attached_.size();
}

}  // namespace kring::service
