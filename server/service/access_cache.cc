#include "server/service/access_cache.h"

#include <utility>

namespace kring::service {

using storage::Table;

storage::TableMask AccessTableMask() {
  storage::TableMask mask = 0;
  for (Table table :
       {Table::kAccounts, Table::kHandles, Table::kSessions, Table::kNetworks, Table::kMembers,
        Table::kAccountNetworks, Table::kConsents, Table::kCurrentConsents, Table::kRepresentatives,
        Table::kRepresentedBy, Table::kTeams, Table::kTeamPeople, Table::kAccountTeams,
        Table::kTeamExclusions}) {
    mask |= storage::TableBit(table);
  }
  return mask;
}

const AccessCache::Session* AccessCache::FindSession(std::string_view session_key) const {
  auto it = sessions_.find(session_key);
  return it == sessions_.end() ? nullptr : &it->second;
}

void AccessCache::PutSession(std::string session_key, Session session) {
  MakeRoom();
  sessions_.insert_or_assign(std::move(session_key), std::move(session));
}

const records::StandingRecords* AccessCache::FindStanding(uint64_t network_id,
                                                          uint64_t account_id) const {
  auto it = standings_.find({network_id, account_id});
  return it == standings_.end() ? nullptr : &it->second;
}

void AccessCache::PutStanding(uint64_t network_id, uint64_t account_id,
                              records::StandingRecords standing) {
  MakeRoom();
  standings_.insert_or_assign({network_id, account_id}, std::move(standing));
}

void AccessCache::Clear() {
  sessions_.clear();
  standings_.clear();
}

void AccessCache::MakeRoom() {
  if (size() >= kMaxEntries) Clear();
}

}  // namespace kring::service
