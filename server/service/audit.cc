#include "server/service/audit.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "kring/store/records.pb.h"
#include "server/core/crypto.h"
#include "server/core/text.h"
#include "server/service/audit_internal.h"
#include "server/storage/keys.h"

namespace kring::service::audit {

using storage::Table;
using storage::keys::ReadU64;
using storage::keys::U64;
using storage::keys::U64U64;

const Index kByClient{Table::kAuditByClient,
                      "client",
                      "audit_last_client:",
                      &v1::AuditEvent::client_id,
                      &v1::AuditEvent::prev_client_seq,
                      &v1::AuditEvent::set_prev_client_seq};
const Index kByActor{Table::kAuditByActor,
                     "actor",
                     "audit_last_actor:",
                     &v1::AuditEvent::actor_id,
                     &v1::AuditEvent::prev_actor_seq,
                     &v1::AuditEvent::set_prev_actor_seq};

StatusOr<store::AuditHead> GetHead(const storage::ReadView& view) {
  KRING_ASSIGN_OR_RETURN(auto bytes, view.Get(Table::kMeta, kHeadKey));
  store::AuditHead head;
  if (bytes && !head.ParseFromString(*bytes)) return Internal("corrupt audit head");
  return head;
}

uint64_t LinksFrom(const store::AuditHead& head) {
  return head.links_from() != 0 ? head.links_from() : head.seq() + 1;
}

std::string LastKey(const Index& index, uint64_t id) {
  return std::string(index.last_prefix) + U64(id);
}

StatusOr<uint64_t> LastIndexed(const storage::ReadView& view, const Index& index, uint64_t id) {
  KRING_ASSIGN_OR_RETURN(auto bytes, view.Get(Table::kMeta, LastKey(index, id)));
  if (!bytes) return uint64_t{0};
  if (bytes->size() != 8) return Internal("corrupt audit index head");
  return ReadU64(*bytes);
}

StatusOr<Stored> GetRecord(const storage::ReadView& view, uint64_t seq) {
  KRING_ASSIGN_OR_RETURN(auto bytes, view.Get(Table::kAudit, U64(seq)));
  Stored out;
  if (!bytes) return out;
  out.found = true;
  out.parsed = ParseRecord(*bytes, &out.event, &out.repaired);
  return out;
}

namespace {

// The text fields of a record: Stage makes each valid UTF-8, whatever fields are added later.
const std::vector<const google::protobuf::FieldDescriptor*>& TextFields() {
  static const auto* fields = [] {
    auto* out = new std::vector<const google::protobuf::FieldDescriptor*>;
    const google::protobuf::Descriptor* d = v1::AuditEvent::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* f = d->field(i);
      if (f->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !f->is_repeated()) {
        out->push_back(f);
      }
    }
    return out;
  }();
  return *fields;
}

void MakeTextValid(v1::AuditEvent& event) {
  const google::protobuf::Reflection* reflection = event.GetReflection();
  for (const google::protobuf::FieldDescriptor* field : TextFields()) {
    std::string scratch;
    const std::string& text = reflection->GetStringReference(event, field, &scratch);
    if (IsValidUtf8(text)) continue;  // the common case: only scanned
    std::string fixed = text;
    (void)MakeValidUtf8(&fixed);
    reflection->SetString(&event, field, std::move(fixed));
  }
}

bool Matches(const v1::AuditEvent& e, const Query& q) {
  if (q.client_id != 0 && e.client_id() != q.client_id) return false;
  if (q.actor_id != 0 && e.actor_id() != q.actor_id) return false;
  if (q.network_id != 0 && e.network_id() != q.network_id) return false;
  if (e.time_ms() < q.since_ms) return false;
  if (q.until_ms != 0 && e.time_ms() >= q.until_ms) return false;
  if (q.action != v1::AUDIT_ACTION_UNSPECIFIED && e.action() != q.action) return false;
  if (q.outcome != v1::AUDIT_OUTCOME_UNSPECIFIED && e.outcome() != q.outcome) return false;
  if (!q.event_type.empty() && e.event_type() != q.event_type) return false;
  return true;
}

// The first seq whose time is >= since_ms (times never decrease along the chain), or head+1.
StatusOr<uint64_t> FirstSeqAtOrAfter(const storage::ReadView& view, int64_t since_ms,
                                     uint64_t head) {
  uint64_t lo = 1, hi = head + 1;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    KRING_ASSIGN_OR_RETURN(Stored e, GetRecord(view, mid));
    if (e.parsed && e.event.time_ms() >= since_ms) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

std::string Whose(const Index& index, uint64_t id) {
  return "the index of " + std::string(index.whose) + " " + std::to_string(id);
}

// At most this many records missing from an index are fetched through the chain per call.
constexpr size_t kMaxRecovered = 1000;

}  // namespace

v1::AuditOutcome OutcomeOf(const Status& status) {
  if (status.ok()) return v1::AUDIT_OUTCOME_SUCCESS;
  if (status.code() == Code::kPermissionDenied || status.code() == Code::kUnauthenticated) {
    return v1::AUDIT_OUTCOME_DENIED;
  }
  return v1::AUDIT_OUTCOME_ERROR;
}

StatusOr<v1::AuditEvent> Stage(storage::Transaction& txn, v1::AuditEvent event, int64_t now_ms,
                               std::string_view server_id) {
  KRING_ASSIGN_OR_RETURN(store::AuditHead head, GetHead(txn));
  event.set_seq(head.seq() + 1);
  event.set_time_ms(std::max(now_ms, head.time_ms()));
  event.set_server_id(std::string(server_id));
  event.set_prev_hash(head.hash());
  MakeTextValid(event);
  const Index* const indexes[] = {&kByClient, &kByActor};
  for (const Index* index : indexes) {
    const uint64_t id = (event.*index->id)();
    uint64_t last = 0;
    if (id != 0) {
      KRING_ASSIGN_OR_RETURN(last, LastIndexed(txn, *index, id));
    }
    (event.*index->set_prev)(last);
  }
  std::string bytes = event.SerializeAsString();
  store::AuditHead next;
  next.set_seq(event.seq());
  next.set_hash(Sha256(bytes));
  next.set_time_ms(event.time_ms());
  next.set_links_from(LinksFrom(head));
  txn.Put(Table::kAudit, U64(event.seq()), std::move(bytes));
  for (const Index* index : indexes) {
    const uint64_t id = (event.*index->id)();
    if (id == 0) continue;
    txn.Put(index->table, U64U64(id, event.seq()), "");
    txn.Put(Table::kMeta, LastKey(*index, id), U64(event.seq()));
  }
  txn.Put(Table::kMeta, std::string(kHeadKey), next.SerializeAsString());
  return event;
}

bool ParseRecord(std::string_view bytes, v1::AuditEvent* out, bool* repaired) {
  *repaired = false;
  if (out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return true;
  // Refused, perhaps for invalid UTF-8 only: read the fields raw, mend the text, parse again.
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  const google::protobuf::Descriptor* d = v1::AuditEvent::descriptor();
  for (int i = 0; i < fields.field_count(); ++i) {
    google::protobuf::UnknownField* f = fields.mutable_field(i);
    if (f->type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const google::protobuf::FieldDescriptor* field = d->FindFieldByNumber(f->number());
    if (field != nullptr && field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      (void)MakeValidUtf8(f->mutable_length_delimited());
    }
  }
  std::string mended;
  if (!fields.SerializeToString(&mended) || !out->ParseFromString(mended)) return false;
  *repaired = true;
  return true;
}

StatusOr<Page> Find(const storage::ReadView& view, const Query& query, size_t max_visited) {
  Page page;
  KRING_ASSIGN_OR_RETURN(store::AuditHead head, GetHead(view));
  uint64_t start = query.after_seq + 1;
  if (query.since_ms > 0) {
    KRING_ASSIGN_OR_RETURN(uint64_t first, FirstSeqAtOrAfter(view, query.since_ms, head.seq()));
    start = std::max(start, first);
  }
  // Walk an index when the query names a client or an actor, else the log itself.
  const Index* index = query.client_id != 0  ? &kByClient
                       : query.actor_id != 0 ? &kByActor
                                             : nullptr;
  const uint64_t id = index == &kByClient ? query.client_id : query.actor_id;
  const Table table = index != nullptr ? index->table : Table::kAudit;
  const std::string prefix = index != nullptr ? U64(id) : "";
  const std::string begin = prefix + U64(start);
  const std::string end = prefix.empty() ? "" : storage::keys::PrefixEnd(prefix);
  const uint64_t links_from = LinksFrom(head);
  auto add = [&](uint64_t seq, Stored& record) {
    if (record.repaired) page.problems.push_back({seq, RepairedProblem(seq)});
    if (Matches(record.event, query)) page.events.push_back(std::move(record.event));
  };
  // The index walk has proven that it missed no record of `id` up to here: a linked record's
  // prev_*_seq past it names a record the index lacks. recover() fetches those (newest first,
  // along the links, down to `bound`) and adds them in order.
  uint64_t proven_to = start - 1;
  Status failure;
  auto recover = [&](uint64_t from, uint64_t bound) {
    std::vector<std::pair<uint64_t, Stored>> found;
    for (uint64_t seq = from; seq > bound && found.size() < kMaxRecovered;) {
      auto record = GetRecord(view, seq);
      if (!record.ok()) {
        failure = record.status();
        return;
      }
      if (!record->parsed || (record->event.*index->id)() != id) {
        page.problems.push_back({seq, "the chain names record " + std::to_string(seq) + " for " +
                                          Whose(*index, id) +
                                          ", but it is not a readable record of theirs"});
        break;
      }
      page.problems.push_back({seq, "record " + std::to_string(seq) + " is missing from " +
                                        Whose(*index, id) + "; found through the chain"});
      const uint64_t prev = (record->event.*index->prev)();
      found.emplace_back(seq, std::move(*record));
      seq = prev;
    }
    for (auto it = found.rbegin(); it != found.rend(); ++it) add(it->first, it->second);
  };
  size_t visited = 0;
  uint64_t last_visited = 0;
  bool past_until = false;
  KRING_RETURN_IF_ERROR(
      view.Scan(table, begin, end, max_visited, [&](std::string_view key, std::string_view value) {
        const uint64_t seq = ReadU64(key, prefix.size());
        last_visited = seq;
        ++visited;
        Stored record;
        if (index == nullptr) {
          record.found = true;
          record.parsed = ParseRecord(value, &record.event, &record.repaired);
        } else {
          auto stored = GetRecord(view, seq);
          if (!stored.ok()) {
            failure = stored.status();
            return false;
          }
          record = std::move(*stored);
          if (!record.found || (record.parsed && (record.event.*index->id)() != id)) {
            // Not shown: it is not about whom the query asks.
            page.problems.push_back({seq, Whose(*index, id) + " names record " +
                                              std::to_string(seq) + ", which is not theirs"});
            return true;
          }
        }
        if (!record.parsed) {
          page.problems.push_back({seq, "record " + std::to_string(seq) + " does not parse"});
          proven_to = seq;
          return true;
        }
        if (index != nullptr && seq >= links_from) {
          const uint64_t prev = (record.event.*index->prev)();
          if (prev > proven_to) recover(prev, proven_to);
          if (!failure.ok()) return false;
        }
        proven_to = seq;
        if (query.until_ms != 0 && record.event.time_ms() >= query.until_ms) {
          past_until = true;
          return false;
        }
        add(seq, record);
        return page.events.size() < query.limit;
      }));
  KRING_RETURN_IF_ERROR(failure);
  // More may follow when the page filled up or the walk hit max_visited; not when it reached the
  // end of the log (or of the index), or passed until_ms.
  const bool more = !past_until && (page.events.size() >= query.limit || visited == max_visited);
  page.next_after_seq = more ? last_visited : 0;
  if (index != nullptr && !more && !past_until) {
    // The end of the index: its newest entry must be the newest record of `id`.
    KRING_ASSIGN_OR_RETURN(uint64_t last, LastIndexed(view, *index, id));
    if (last > proven_to) recover(last, proven_to);
    KRING_RETURN_IF_ERROR(failure);
  }
  return page;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string CheckpointMessage(const v1::AuditCheckpoint& c) {
  return "kring-audit-checkpoint/v1\n" + c.server_id() + "\n" + std::to_string(c.count()) + "\n" +
         Hex(c.head_hash()) + "\n" + std::to_string(c.time_ms()) + "\n";
}

}  // namespace kring::service::audit
