// kringd's side of the access log: the checkpoint signing key, and the offline commands
//
//   kringd audit verify [--checkpoint FILE]   walks the chain; with a checkpoint, also proves the
//                                             log still holds the head it signed
//   kringd audit checkpoint                   prints a signed checkpoint (JSON) to keep elsewhere
//
// They open the store directly, so kringd must not be running on the same data directory (a
// running server answers the same questions over the protocol: `kring audit verify`).
#pragma once

#include <string>

#include "server/app/config.h"
#include "server/core/status.h"
#include "server/storage/store.h"

namespace kring::app {

// The PEM of the audit signing key: config.audit.signing_key_file, or
// DATA_DIR/audit/signing-key.pem, which is made (0600, in a 0700 directory) when missing.
StatusOr<std::string> EnsureAuditSigningKey(const Config& config);

// The server id for the access log: config.audit.server_id, or the host name.
std::string AuditServerId(const Config& config);

// Prints the verification to stdout. 0: intact (and the checkpoint holds); 1: broken.
int RunAuditVerify(const storage::Store& store, const std::string& checkpoint_file);

// Prints a signed checkpoint of the head as one JSON object (protobuf's JSON mapping of
// kring.v1.AuditCheckpoint). 0 on success.
int RunAuditCheckpoint(const storage::Store& store, const std::string& key_pem,
                       const std::string& server_id, int64_t now_ms);

}  // namespace kring::app
