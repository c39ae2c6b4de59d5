// Shared by audit.cc (staging, queries) and audit_verify.cc (the chain and index check): how
// the head, the records and the indexes' newest entries are read. Not for other callers.
#pragma once

#include <cstdint>
#include <string>

#include "kring/store/records.pb.h"
#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/audit.h"
#include "server/storage/store.h"

namespace kring::service::audit {

// The first seq that holds prev_*_seq links (records before it hold none).
uint64_t LinksFrom(const store::AuditHead& head);

// kMeta key of the newest record of `id` in `index`, and its value (0: none since LinksFrom).
std::string LastKey(const Index& index, uint64_t id);
StatusOr<uint64_t> LastIndexed(const storage::ReadView& view, const Index& index, uint64_t id);

struct Stored {
  bool found = false;     // the log holds the seq
  bool parsed = false;    // and it parses (see ParseRecord)
  bool repaired = false;  // with its invalid text replaced
  v1::AuditEvent event;
};
StatusOr<Stored> GetRecord(const storage::ReadView& view, uint64_t seq);

inline std::string RepairedProblem(uint64_t seq) {
  return "record " + std::to_string(seq) +
         " holds text that is not valid UTF-8; shown with U+FFFD in its place";
}

}  // namespace kring::service::audit
