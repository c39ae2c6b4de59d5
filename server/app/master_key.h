// The master key (issue 16; docs/data-rights.md, "Keys"): where kringd reads it, and the checks
// that make kringd refuse to start rather than seal under a key that is not safe or not there.
#pragma once

#include <string>

#include "server/app/config.h"
#include "server/core/random.h"
#include "server/core/sealing.h"
#include "server/core/status.h"

namespace kring::app {

// The file name systemd gives a credential loaded with LoadCredential(Encrypted)=kring-master-key.
inline constexpr char kMasterKeyCredential[] = "kring-master-key";

// Reads a master key file: exactly 32 bytes, a regular file not readable or writable by group or
// others. INVALID_ARGUMENT naming the file and what is wrong (missing, mode, size).
[[nodiscard]] StatusOr<SealingKey> ReadMasterKeyFile(const std::string& path);

// The configured master key: [storage] master_key_file; else $CREDENTIALS_DIRECTORY/
// kring-master-key when that file exists (systemd); else, in dev mode only (no tls.cert_file),
// DATA_DIR/tls/master.key, made (32 random bytes, mode 0600) when absent. Outside dev mode with
// none of these: INVALID_ARGUMENT. Blocks (file I/O). `made` is set when the dev key was made.
[[nodiscard]] StatusOr<SealingKey> LoadMasterKey(const Config& config, Random& random,
                                                 bool* made = nullptr);

}  // namespace kring::app
