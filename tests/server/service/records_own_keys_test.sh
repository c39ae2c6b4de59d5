#!/usr/bin/env bash
# Only the records layer (server/service/records*) knows key layouts and keeps index rows in step
# with their records. Fails, naming each file and line, when an action file in server/service
# names a storage table (`Table::`) or a key encoding (`keys::`).
#
# Action files: everything in server/service but records*, the access log's own chain code
# (audit.*, audit_verify.cc, audit_internal.h; audit_actions.cc and audit_draft.* are not), and the
# writer's machinery (access_cache.*, writer.*, hub.*).
#
# Usage: records_own_keys_test.sh SOURCE_DIR (registered with ctest in tests/CMakeLists.txt).
set -euo pipefail
cd "${1:?usage: records_own_keys_test.sh SOURCE_DIR}"

actions=()
for f in server/service/*.cc server/service/*.h; do
  case "${f##*/}" in
    *_actions.* | audit_draft.*) ;;
    records* | audit* | access_cache.* | writer.* | hub.*) continue ;;
  esac
  actions+=("$f")
done
if [[ ${#actions[@]} -eq 0 ]]; then
  echo "records_own_keys: no action files found under $(pwd)/server/service" >&2
  exit 1
fi

if hits=$(grep -HnE 'Table::|keys::' -- "${actions[@]}"); then
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    echo "${file}:${rest%%:*}: an action names a storage table or key: ${rest#*:}" >&2
  done <<<"$hits"
  echo "records_own_keys: only server/service/records* may use Table:: or keys::; use (or add)" \
    "a named function in server/service/records.h" >&2
  exit 1
fi
echo "records_own_keys: ${#actions[@]} action files name no table or key"
