#include "server/storage/store.h"

#include <array>

namespace kring::storage {

std::string_view TableName(Table table) {
  static constexpr std::array<std::string_view, kTableCount> kNames = {
      "meta",
      "accounts",
      "handles",
      "sessions",
      "networks",
      "members",
      "account_networks",
      "invitations",
      "network_invitations",
      "invitee_invitations",
      "threads",
      "network_threads",
      "thread_heads",
      "messages",
      "idempotency",
      "read_markers",
      "consents",
      "current_consents",
      "representatives",
      "represented_by",
      "audit",
      "audit_by_client",
      "audit_by_actor",
      "teams",
      "team_people",
      "account_teams",
      "team_exclusions",
      "representation_requests",
      // Attachments (issue 15, item 2).
      "attachments",
      "attachment_usage",
      // The shared plan.
      "plans",
      "plan_changes",
      "plan_versions",
      // Corrections and retractions (issue 15, item 3).
      "message_versions",
      // Encryption at rest (issue 16).
      "network_keys",
  };
  auto i = static_cast<size_t>(table);
  return i < kNames.size() ? kNames[i] : std::string_view("invalid");
}

void WriteBatch::Put(Table table, std::string key, std::string value) {
  bytes_ += key.size() + value.size();
  mutations_.push_back(Mutation{table, std::move(key), std::move(value)});
}

void WriteBatch::Delete(Table table, std::string key) {
  bytes_ += key.size();
  mutations_.push_back(Mutation{table, std::move(key), std::nullopt});
}

void WriteBatch::Append(const WriteBatch& other) {
  mutations_.insert(mutations_.end(), other.mutations_.begin(), other.mutations_.end());
  bytes_ += other.bytes_;
}

}  // namespace kring::storage
