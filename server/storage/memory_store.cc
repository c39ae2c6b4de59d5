#include "server/storage/memory_store.h"

#include <mutex>
#include <utility>
#include <vector>

namespace kring::storage {
namespace {

bool IsValid(Table table) { return static_cast<size_t>(table) < kTableCount; }

Status InvalidTable(Table table) {
  return InvalidArgument("no such table: " + std::to_string(static_cast<int>(table)));
}

}  // namespace

StatusOr<std::optional<std::string>> MemoryStore::Get(Table table, std::string_view key) const {
  if (!IsValid(table)) return InvalidTable(table);
  std::shared_lock lock(mu_);
  const Rows& rows = tables_[static_cast<size_t>(table)];
  auto it = rows.find(key);
  if (it == rows.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryStore::Scan(Table table, std::string_view begin, std::string_view end, size_t limit,
                         const ScanVisitor& visit) const {
  if (!IsValid(table)) return InvalidTable(table);
  std::vector<std::pair<std::string, std::string>> snapshot;
  {
    std::shared_lock lock(mu_);
    const Rows& rows = tables_[static_cast<size_t>(table)];
    for (auto it = rows.lower_bound(begin); it != rows.end(); ++it) {
      if (!end.empty() && it->first >= end) break;
      if (limit != 0 && snapshot.size() >= limit) break;
      snapshot.emplace_back(it->first, it->second);
    }
  }
  // Visiting outside the lock lets the visitor call back into the store (see the header).
  for (const auto& [key, value] : snapshot) {
    if (!visit(key, value)) break;
  }
  return Status::Ok();
}

Status MemoryStore::Write(const WriteBatch& batch, bool /*sync*/) {
  // Validate first so that a bad batch applies nothing.
  for (const Mutation& m : batch.mutations()) {
    if (!IsValid(m.table)) return InvalidTable(m.table);
  }
  std::unique_lock lock(mu_);
  for (const Mutation& m : batch.mutations()) {
    Rows& rows = tables_[static_cast<size_t>(m.table)];
    if (m.value.has_value()) {
      rows.insert_or_assign(m.key, *m.value);
    } else if (auto it = rows.find(m.key); it != rows.end()) {
      rows.erase(it);
    }
  }
  return Status::Ok();
}

}  // namespace kring::storage
