// What every request on the writer reads about its actor before anything else: the session and
// account behind the connection (Authenticate) and the actor's standing in the network
// (GetStanding). Without it a post does seven point reads and parses four records for these; the
// writer is kringd's one serial thread, so it keeps them between changes instead.
//
// Why it can never be stale: every change to these records passes through the writer, and the
// writer clears the cache after each op that staged a write to one of the access tables
// (committed or discarded: an op may have read its own staged writes through the cache) and
// after a group write that failed. What depends on the clock is not kept but decided at each
// use: the session's expiry, and the consents' ends (StandingRecords keeps the records, and
// StandingAt applies the instant). Consent is still checked at the moment of every access.
//
// Writer thread only: not thread-safe. Reads on io threads go to the store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/core/authorize.h"
#include "server/service/records.h"
#include "server/storage/store.h"

namespace kring::service {

// The tables whose records the cache is made of. A write to any of them clears it.
storage::TableMask AccessTableMask();

class AccessCache {
 public:
  // An authenticated session: valid until expires_at_ms (checked at each use).
  struct Session {
    Actor actor;
    int64_t expires_at_ms = 0;
    std::string app;
  };

  // Past this many entries the cache starts over, so its memory stays bounded.
  static constexpr size_t kMaxEntries = 50'000;

  const Session* FindSession(std::string_view session_key) const;
  void PutSession(std::string session_key, Session session);

  const records::StandingRecords* FindStanding(uint64_t network_id, uint64_t account_id) const;
  void PutStanding(uint64_t network_id, uint64_t account_id, records::StandingRecords standing);

  void Clear();
  size_t size() const { return sessions_.size() + standings_.size(); }

 private:
  struct PairHash {
    size_t operator()(const std::pair<uint64_t, uint64_t>& p) const {
      return std::hash<uint64_t>()(p.first * 0x9E3779B97F4A7C15ull ^ p.second);
    }
  };
  void MakeRoom();

  // Looked up by string_view without building a string: a session key is 32 bytes, past the
  // small-string buffer, so a std::string per post would be an allocation on the writer.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
  };
  std::unordered_map<std::string, Session, KeyHash, std::equal_to<>> sessions_;
  std::unordered_map<std::pair<uint64_t, uint64_t>, records::StandingRecords, PairHash> standings_;
};

}  // namespace kring::service
