// The client's view of the access log in plain words: "jo (job coach) read 12 messages in
// thread Werk". English; apps translate from the record's structured fields instead.
#pragma once

#include <string>
#include <string_view>

#include "kring/v1/kring.pb.h"

namespace kring {

// `actor` names who acted (e.g. "Jo de Vries (job coach)"), `thread` the thread's title (empty
// if none or unknown), `object` the account acted on.
std::string SummarizeAuditEvent(const v1::AuditEvent& event, std::string_view actor,
                                std::string_view thread, std::string_view object);

}  // namespace kring
