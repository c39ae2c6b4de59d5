#!/usr/bin/env bash
# WebSocket close codes are named once, in kring.proto (kring.v1.CloseCode): C++ code uses the
# enum, never the bare number. Fails listing each line of code (comments and string literals
# aside) that spells 4001 or 4003, or an RFC 6455 code on a line that speaks of a close or code.
set -euo pipefail
root="${1:?usage: close_codes.sh SOURCE_DIR}"
cd "${root}"
codes='1001|1002|1003|1005|1006|1008|1009|1011|1013|4001|4003'
ours='4001|4003'
found=$(grep -rnE --include='*.cc' --include='*.h' "\\b(${codes})\\b" server client-sdk tests bench |
  sed -E 's#^([^:]*:[0-9]+:)#\1\t#' |
  awk -F'\t' -v codes="${codes}" -v ours="${ours}" '{
    code = $2
    gsub(/"([^"\\]|\\.)*"/, "\"\"", code)  # string literals
    sub(/\/\/.*/, "", code)                 # line comments
    bare = "(^|[^0-9A-Za-z_])(" codes ")([^0-9A-Za-z_]|$)"
    if (code ~ "(^|[^0-9A-Za-z_])(" ours ")([^0-9A-Za-z_]|$)" ||
        (code ~ bare && tolower(code) ~ /close|code/)) print $1 $2
  }')
if [[ -n "${found}" ]]; then
  echo "bare WebSocket close codes (use kring::v1::CloseCode or service::CloseCode):"
  echo "${found}"
  exit 1
fi
echo "no bare WebSocket close codes"
