#include "server/storage/transaction.h"

#include <utility>

namespace kring::storage {

StatusOr<std::optional<std::string>> Transaction::Get(Table table, std::string_view key) const {
  const auto& staged = staged_[static_cast<size_t>(table)];
  if (auto it = staged.find(key); it != staged.end()) return it->second;
  return base_->Get(table, key);
}

Status Transaction::Scan(Table table, std::string_view begin, std::string_view end, size_t limit,
                         const ScanVisitor& visit) const {
  std::map<std::string, std::string, std::less<>> merged;
  KRING_RETURN_IF_ERROR(
      base_->Scan(table, begin, end, 0, [&](std::string_view key, std::string_view value) {
        merged.emplace(std::string(key), std::string(value));
        return true;
      }));
  const auto& staged = staged_[static_cast<size_t>(table)];
  auto it = staged.lower_bound(begin);
  for (; it != staged.end() && (end.empty() || it->first < end); ++it) {
    if (it->second) {
      merged.insert_or_assign(it->first, *it->second);
    } else {
      merged.erase(it->first);
    }
  }
  size_t visited = 0;
  for (const auto& [key, value] : merged) {
    if (limit != 0 && visited == limit) break;
    ++visited;
    if (!visit(key, value)) break;
  }
  return Status::Ok();
}

void Transaction::Stage(Table table, std::string key, std::optional<std::string> value) {
  staged_[static_cast<size_t>(table)].insert_or_assign(std::move(key), std::move(value));
  touched_tables_ |= TableBit(table);
}

void Transaction::Put(Table table, std::string key, std::string value) {
  Stage(table, std::move(key), std::move(value));
}

void Transaction::Delete(Table table, std::string key) {
  Stage(table, std::move(key), std::nullopt);
}

void Transaction::CommitToParent() {
  if (parent_ == nullptr) return;
  for (size_t t = 0; t < kTableCount; ++t) {
    auto& staged = staged_[t];
    while (!staged.empty()) {
      auto node = staged.extract(staged.begin());
      parent_->Stage(static_cast<Table>(t), std::move(node.key()), std::move(node.mapped()));
    }
  }
  touched_tables_ = 0;
}

WriteBatch Transaction::batch() const {
  WriteBatch batch;
  for (size_t t = 0; t < kTableCount; ++t) {
    for (const auto& [key, value] : staged_[t]) {
      if (value) {
        batch.Put(static_cast<Table>(t), key, *value);
      } else {
        batch.Delete(static_cast<Table>(t), key);
      }
    }
  }
  return batch;
}

bool Transaction::empty() const {
  for (const auto& staged : staged_) {
    if (!staged.empty()) return false;
  }
  return true;
}

}  // namespace kring::storage
