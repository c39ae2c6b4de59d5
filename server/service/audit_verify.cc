// Verification of the access log: the hash chain, then the indexes against the chain. See
// VerifyChain in audit.h and "Tamper evidence" in docs/audit.md.
#include <array>
#include <unordered_map>

#include "server/core/crypto.h"
#include "server/service/audit.h"
#include "server/service/audit_internal.h"
#include "server/storage/keys.h"

namespace kring::service::audit {

namespace {

using storage::Table;
using storage::keys::ReadU64;
using storage::keys::U64;
using storage::keys::U64U64;

std::string Rec(uint64_t seq) { return "record " + std::to_string(seq); }

std::string Of(const Index& index, uint64_t id) {
  return std::string(index.whose) + " " + std::to_string(id);
}

// What the chain holds of record `seq`'s hash: the next record's prev_hash, or the head's hash.
// nullopt when neither exists (a record appended after the head was read).
StatusOr<std::optional<std::string>> HashHeldOf(const storage::ReadView& view, uint64_t seq,
                                                const store::AuditHead& head) {
  if (seq == head.seq()) return std::optional<std::string>(head.hash());
  KRING_ASSIGN_OR_RETURN(Stored next, GetRecord(view, seq + 1));
  if (!next.parsed) return std::optional<std::string>();
  return std::optional<std::string>(next.event.prev_hash());
}

class Verifier {
 public:
  explicit Verifier(const storage::ReadView& view) : view_(view) {}

  StatusOr<Verification> Run() {
    // Read before the walk: records that kringd appends meanwhile lie past it.
    KRING_ASSIGN_OR_RETURN(head_, GetHead(view_));
    links_from_ = LinksFrom(head_);
    KRING_RETURN_IF_ERROR(
        view_.Scan(Table::kAudit, "", "", 0, [this](std::string_view key, std::string_view bytes) {
          ++v_.records;  // all of them, also past a break
          if (v_.intact) failure_ = Record(key, bytes);
          return failure_.ok();
        }));
    KRING_RETURN_IF_ERROR(failure_);
    if (v_.intact) KRING_RETURN_IF_ERROR(CheckHead());
    for (size_t i = 0; i < kIndexes.size() && v_.intact; ++i) {
      KRING_RETURN_IF_ERROR(CheckIndexEntries(*kIndexes[i]));
      KRING_RETURN_IF_ERROR(CheckNewestKeys(*kIndexes[i], newest_[i]));
    }
    v_.head_hash = v_.intact ? prev_hash_ : "";
    return v_;
  }

 private:
  static constexpr std::array<const Index*, 2> kIndexes = {&kByClient, &kByActor};

  void Broken(uint64_t seq, std::string problem) {
    if (!v_.intact) return;
    v_.intact = false;
    v_.first_bad_seq = seq;
    v_.problem = std::move(problem);
  }

  Status Record(std::string_view key, std::string_view bytes) {
    const uint64_t seq = v_.records;
    if (key.size() != 8 || ReadU64(key) != seq) {
      Broken(seq, Rec(seq) + " is missing");
      return Status::Ok();
    }
    v1::AuditEvent e;
    bool repaired = false;
    if (!ParseRecord(bytes, &e, &repaired)) {
      Broken(seq, Rec(seq) + " does not parse");
      return Status::Ok();
    }
    if (repaired) ++v_.repaired;
    if (e.seq() != seq) {
      Broken(seq, Rec(seq) + " claims to be " + std::to_string(e.seq()));
      return Status::Ok();
    }
    const std::string hash = Sha256(bytes);
    if (e.prev_hash() != prev_hash_) {
      // Either this record's link changed or the record before it did. If this record still
      // hashes to what its successor (or the head) holds of it, it is untouched: the one before
      // changed. Otherwise this record's own bytes (its link among them) changed.
      KRING_ASSIGN_OR_RETURN(auto held, HashHeldOf(view_, seq, head_));
      if (seq > 1 && held && *held == hash) {
        Broken(seq - 1,
               Rec(seq - 1) + " does not match the hash that " + Rec(seq) + " holds of it");
      } else {
        Broken(seq,
               Rec(seq) + " does not hold the hash of " + Rec(seq - 1) + ": its own bytes changed");
      }
      return Status::Ok();
    }
    for (size_t i = 0; i < kIndexes.size(); ++i) {
      KRING_RETURN_IF_ERROR(IndexesOf(*kIndexes[i], newest_[i], e));
      if (!v_.intact) return Status::Ok();
    }
    prev_hash_ = hash;
    if (seq == head_.seq()) head_record_hash_ = hash;
    return Status::Ok();
  }

  // The record is in the index of its client (actor), and links to their record before it.
  Status IndexesOf(const Index& index, std::unordered_map<uint64_t, uint64_t>& newest,
                   const v1::AuditEvent& e) {
    const uint64_t seq = e.seq();
    const uint64_t id = (e.*index.id)();
    const uint64_t prev = (e.*index.prev)();
    if (id == 0) {
      if (prev != 0)
        Broken(seq, Rec(seq) + " links to an earlier record of no " + std::string(index.whose));
      return Status::Ok();
    }
    KRING_ASSIGN_OR_RETURN(auto entry, view_.Get(index.table, U64U64(id, seq)));
    if (!entry) {
      Broken(seq, Rec(seq) + " is missing from the index of " + Of(index, id));
      return Status::Ok();
    }
    if (seq < links_from_) return Status::Ok();  // written before records were linked
    uint64_t& newest_of_id = newest[id];
    if (prev != newest_of_id) {
      Broken(seq, Rec(seq) + " names " + Rec(prev) + " as the previous record of " + Of(index, id) +
                      "; the chain says " + std::to_string(newest_of_id));
      return Status::Ok();
    }
    newest_of_id = seq;
    return Status::Ok();
  }

  Status CheckHead() {
    if (v_.records < head_.seq()) {
      Broken(v_.records + 1, "the head says " + std::to_string(head_.seq()) +
                                 " records, the log holds " + std::to_string(v_.records));
    } else if (head_.seq() != 0 && head_record_hash_ != head_.hash()) {
      Broken(head_.seq(), Rec(head_.seq()) + " does not match the hash the head holds of it");
    } else if (v_.records > head_.seq()) {
      // Appended while the walk ran, or by hand past the head: the head as it is now tells.
      KRING_ASSIGN_OR_RETURN(store::AuditHead now, GetHead(view_));
      if (v_.records > now.seq()) {
        Broken(now.seq() + 1, Rec(now.seq() + 1) + " lies past the head (" +
                                  std::to_string(now.seq()) + " records)");
      }
    }
    return Status::Ok();
  }

  // Every entry names a record about that client (actor). (Records appended meanwhile have
  // their entries written with them, atomically: they pass too.)
  Status CheckIndexEntries(const Index& index) {
    Status failure;
    KRING_RETURN_IF_ERROR(
        view_.Scan(index.table, "", "", 0, [&](std::string_view key, std::string_view) {
          const uint64_t id = ReadU64(key), seq = ReadU64(key, 8);
          auto record = key.size() == 16 ? GetRecord(view_, seq) : StatusOr<Stored>(Stored{});
          if (!record.ok()) {
            failure = record.status();
            return false;
          }
          if (!record->found) {
            Broken(seq, "the index of " + Of(index, id) + " names " + Rec(seq) +
                            ", which the log does not hold");
          } else if (record->parsed && (record->event.*index.id)() != id) {
            Broken(seq, "the index of " + Of(index, id) + " names " + Rec(seq) +
                            ", which is not theirs");
          }
          return v_.intact;
        }));
    return failure;
  }

  // The newest-entry key of each client (actor) names their newest record in the chain.
  Status CheckNewestKeys(const Index& index, const std::unordered_map<uint64_t, uint64_t>& newest) {
    size_t matched = 0;
    Status failure;
    const std::string prefix(index.last_prefix);
    KRING_RETURN_IF_ERROR(view_.Scan(
        Table::kMeta, prefix, storage::keys::PrefixEnd(prefix), 0,
        [&](std::string_view key, std::string_view value) {
          const uint64_t id = ReadU64(key, prefix.size()), seq = ReadU64(value);
          auto it = newest.find(id);
          if (it != newest.end() && it->second == seq) {
            ++matched;
          } else if (seq <= v_.records) {
            Broken(seq, "the index of " + Of(index, id) + " says its newest record is " + Rec(seq) +
                            "; the chain says " +
                            std::to_string(it == newest.end() ? 0 : it->second));
          } else {  // newer than the walk: it must be a record of theirs
            auto record = GetRecord(view_, seq);
            if (!record.ok()) failure = record.status();
            if (record.ok() &&
                (!record->found || (record->parsed && (record->event.*index.id)() != id))) {
              Broken(seq, "the index of " + Of(index, id) + " names " + Rec(seq) +
                              " as its newest record, which is not theirs");
            }
            if (it != newest.end()) ++matched;
          }
          return v_.intact && failure.ok();
        }));
    KRING_RETURN_IF_ERROR(failure);
    if (v_.intact && matched != newest.size()) {
      for (const auto& [id, seq] : newest) {
        KRING_ASSIGN_OR_RETURN(auto last, view_.Get(Table::kMeta, LastKey(index, id)));
        if (!last) {
          Broken(seq,
                 "the index of " + Of(index, id) + " does not know its newest record, " + Rec(seq));
          break;
        }
      }
    }
    return Status::Ok();
  }

  const storage::ReadView& view_;
  store::AuditHead head_;
  uint64_t links_from_ = 0;
  Verification v_;
  Status failure_;
  std::string prev_hash_;         // of the record before the next one walked
  std::string head_record_hash_;  // of record head_.seq(), once walked
  std::array<std::unordered_map<uint64_t, uint64_t>, 2> newest_;  // id -> newest linked seq
};

}  // namespace

StatusOr<Verification> VerifyChain(const storage::ReadView& view) { return Verifier(view).Run(); }

}  // namespace kring::service::audit
