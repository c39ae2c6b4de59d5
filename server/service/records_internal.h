// Shared by records*.cc: reading and writing by table and key. Not for other callers, which use
// the named functions of records.h (actions never name a table or build a key).
#pragma once

#include <google/protobuf/message_lite.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/status.h"
#include "server/service/records.h"
#include "server/storage/keys.h"
#include "server/storage/store.h"
#include "server/storage/transaction.h"

namespace kring::service::records {

using storage::ReadView;
using storage::Table;
using storage::Transaction;
using storage::keys::ReadU64;
using storage::keys::U64;
using storage::keys::U64Bytes;
using storage::keys::U64U64;

template <typename M>
StatusOr<std::optional<M>> GetProto(const ReadView& view, Table table, std::string_view key) {
  KRING_ASSIGN_OR_RETURN(std::optional<std::string> bytes, view.Get(table, key));
  if (!bytes) return std::optional<M>();
  M m;
  if (!m.ParseFromString(*bytes)) {
    return Internal("corrupt record in table " + std::string(storage::TableName(table)));
  }
  return std::optional<M>(std::move(m));
}

StatusOr<std::optional<uint64_t>> GetU64(const ReadView& view, Table table, std::string_view key);

inline void PutProto(Transaction& txn, Table table, std::string key,
                     const google::protobuf::MessageLite& m) {
  txn.Put(table, std::move(key), m.SerializeAsString());
}

enum class Unparsed { kFail, kSkip };

// Every value under the u64 prefix, parsed as M, in key order. A value that does not parse fails
// the scan (kFail) or is left out (kSkip).
template <typename M>
StatusOr<std::vector<M>> ScanProtos(const ReadView& view, Table table, uint64_t prefix,
                                    Unparsed unparsed = Unparsed::kFail) {
  std::vector<M> out;
  bool corrupt = false;
  std::string begin = U64(prefix);
  KRING_RETURN_IF_ERROR(
      view.Scan(table, begin, storage::keys::PrefixEnd(begin), 0,
                [&](std::string_view, std::string_view value) {
                  M m;
                  if (m.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                    out.push_back(std::move(m));
                    return true;
                  }
                  corrupt = unparsed == Unparsed::kFail;
                  return !corrupt;
                }));
  if (corrupt) return Internal("corrupt record in table " + std::string(storage::TableName(table)));
  return out;
}

// The second u64 of every key under the u64 prefix, in key order.
StatusOr<std::vector<uint64_t>> ScanSecondIds(const ReadView& view, Table table, uint64_t prefix);

// The actor's team routes into the network (records_team.cc), and one applied to a standing.
StatusOr<std::vector<TeamRoute>> ReadTeamRoutes(const ReadView& view, uint64_t network_id,
                                                uint64_t account_id);
void ApplyTeamRoute(const TeamRoute& route, Standing& standing);

// The u64 value of every key under the u64 prefix, in key order.
StatusOr<std::vector<uint64_t>> ScanU64Values(const ReadView& view, Table table, uint64_t prefix);

}  // namespace kring::service::records
