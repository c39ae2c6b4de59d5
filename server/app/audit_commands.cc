#include "server/app/audit_commands.h"

#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kring/store/records.pb.h"
#include "server/core/ed25519.h"
#include "server/service/audit.h"
#include "server/storage/keys.h"

namespace kring::app {

namespace {

namespace fs = std::filesystem;

StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The stored record `seq`'s SHA-256 is what its successor (or the head) holds of it.
StatusOr<std::string> HashOfRecord(const storage::Store& store, uint64_t seq) {
  KRING_ASSIGN_OR_RETURN(auto next, store.Get(storage::Table::kAudit, storage::keys::U64(seq + 1)));
  if (next) {
    v1::AuditEvent e;
    bool repaired = false;
    if (!service::audit::ParseRecord(*next, &e, &repaired)) {
      return Internal("record " + std::to_string(seq + 1) + " is corrupt");
    }
    return e.prev_hash();
  }
  KRING_ASSIGN_OR_RETURN(auto head_bytes,
                         store.Get(storage::Table::kMeta, service::audit::kHeadKey));
  store::AuditHead head;
  if (!head_bytes || !head.ParseFromString(*head_bytes) || head.seq() != seq) {
    return NotFound("the log has no record " + std::to_string(seq));
  }
  return head.hash();
}

}  // namespace

std::string AuditServerId(const Config& config) {
  if (!config.audit.server_id.empty()) return config.audit.server_id;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "kringd";
  return host;
}

StatusOr<std::string> EnsureAuditSigningKey(const Config& config) {
  if (!config.audit.signing_key_file.empty()) {
    KRING_ASSIGN_OR_RETURN(std::string pem, ReadFile(config.audit.signing_key_file));
    KRING_RETURN_IF_ERROR(ed25519::PublicKeyPem(pem).status());  // a usable Ed25519 key
    return pem;
  }
  const fs::path dir = fs::path(config.server.data_dir) / "audit";
  const fs::path file = dir / "signing-key.pem";
  std::error_code ec;
  if (fs::exists(file, ec)) return ReadFile(file);
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  KRING_ASSIGN_OR_RETURN(std::string pem, ed25519::GeneratePrivateKeyPem());
  const fs::path partial = dir / "signing-key.pem.new";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    ::chmod(partial.c_str(), 0600);
    out << pem;
    if (!out.flush()) return Internal("cannot write " + partial.string());
  }
  fs::rename(partial, file, ec);
  if (ec) return Internal("cannot create " + file.string() + ": " + ec.message());
  return pem;
}

int RunAuditVerify(const storage::Store& store, const std::string& checkpoint_file) {
  auto verified = service::audit::VerifyChain(store);
  if (!verified.ok()) {
    std::fprintf(stderr, "kringd: error: %s\n", verified.status().ToString().c_str());
    return 1;
  }
  if (!verified->intact) {
    std::printf("broken at record %llu of %llu: %s\n",
                static_cast<unsigned long long>(verified->first_bad_seq),  // NOLINT(runtime/int)
                static_cast<unsigned long long>(verified->records),        // NOLINT(runtime/int)
                verified->problem.c_str());
    return 1;
  }
  std::printf("intact: %llu records, head %s\n",
              static_cast<unsigned long long>(verified->records),  // NOLINT(runtime/int)
              service::audit::Hex(verified->head_hash).c_str());
  if (verified->repaired != 0) {
    std::printf("note: %llu records hold text that is not valid UTF-8 (shown with U+FFFD)\n",
                static_cast<unsigned long long>(verified->repaired));  // NOLINT(runtime/int)
  }
  if (checkpoint_file.empty()) return 0;

  // A checkpoint kept elsewhere: its signature must hold, and this log must still have the
  // head it signed at the same position.
  // One format: protobuf's JSON mapping of AuditCheckpoint, as `kringd audit checkpoint` and
  // `kring audit checkpoint --json` print it. Fields it does not know (such as the "time" that
  // older `kring` versions added for people to read) are ignored: the signature covers only
  // the fields of CheckpointMessage, so they can change nothing that is proven.
  auto json = ReadFile(checkpoint_file);
  v1::AuditCheckpoint checkpoint;
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = true;
  if (!json.ok() ||
      !google::protobuf::util::JsonStringToMessage(*json, &checkpoint, parse_options).ok()) {
    std::printf("checkpoint %s: not a checkpoint (JSON)\n", checkpoint_file.c_str());
    return 1;
  }
  Status signature =
      ed25519::Verify(checkpoint.public_key_pem(), service::audit::CheckpointMessage(checkpoint),
                      checkpoint.signature());
  if (!signature.ok()) {
    std::printf("checkpoint: the signature does not hold: %s\n", signature.detail().c_str());
    return 1;
  }
  auto hash = HashOfRecord(store, checkpoint.count());
  if (!hash.ok() || *hash != checkpoint.head_hash()) {
    std::printf("checkpoint: record %llu is not the one signed: the log was rewritten\n",
                static_cast<unsigned long long>(checkpoint.count()));  // NOLINT(runtime/int)
    return 1;
  }
  std::printf("checkpoint holds: record %llu signed by %s at %lld\n",
              static_cast<unsigned long long>(checkpoint.count()),  // NOLINT(runtime/int)
              checkpoint.server_id().c_str(),
              static_cast<long long>(checkpoint.time_ms()));  // NOLINT(runtime/int)
  return 0;
}

int RunAuditCheckpoint(const storage::Store& store, const std::string& key_pem,
                       const std::string& server_id, int64_t now_ms) {
  auto head_bytes = store.Get(storage::Table::kMeta, service::audit::kHeadKey);
  store::AuditHead head;
  if (!head_bytes.ok() || (*head_bytes && !head.ParseFromString(**head_bytes))) {
    std::fprintf(stderr, "kringd: error: cannot read the audit head\n");
    return 1;
  }
  v1::AuditCheckpoint c;
  c.set_server_id(server_id);
  c.set_count(head.seq());
  c.set_head_hash(head.hash());
  c.set_time_ms(now_ms);
  c.set_algorithm("Ed25519");
  auto signature = ed25519::Sign(key_pem, service::audit::CheckpointMessage(c));
  auto public_pem = ed25519::PublicKeyPem(key_pem);
  if (!signature.ok() || !public_pem.ok()) {
    std::fprintf(stderr, "kringd: error: cannot sign: %s\n",
                 (signature.ok() ? public_pem.status() : signature.status()).ToString().c_str());
    return 1;
  }
  c.set_signature(*signature);
  c.set_public_key_pem(*public_pem);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  if (!google::protobuf::util::MessageToJsonString(c, &json, options).ok()) return 1;
  std::printf("%s", json.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace kring::app
