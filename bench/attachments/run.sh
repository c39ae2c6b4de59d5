#!/usr/bin/env bash
# Attachments over HTTPS (issue 15, "Measured"): upload and download throughput of one 20 MiB
# file, then N (default 50) uploads and then N downloads of 20 MiB at once, sampling kringd's
# peak RSS (VmHWM) after each phase. The uploads are streamed to disk 64 KiB at a time, so the
# peak must not grow with the file size: run it with SIZE_MIB=2 and SIZE_MIB=20 and compare.
#
#   bench/attachments/run.sh [BUILD_DIR]       (default: build; kringd and kring built there)
#   N=50 SIZE_MIB=20 bench/attachments/run.sh
#
# Starts its own kringd on a temp dir and a loopback port; uses Debian's curl with the session
# token as Bearer (what any HTTP client does). Prints one Markdown row per phase.
set -euo pipefail

BUILD=${1:-build}
N=${N:-50}
SIZE_MIB=${SIZE_MIB:-20}
KRINGD=$BUILD/server/kringd
KRING=$BUILD/client-sdk/kring
[[ -x $KRINGD && -x $KRING ]] || { echo "build kringd and kring first (ninja -C $BUILD kringd kring)" >&2; exit 2; }

dir=$(mktemp -d /tmp/kring-att-bench-XXXXXX)
kringd_pid=
cleanup() {
  if [[ -n $kringd_pid ]]; then kill "$kringd_pid" 2>/dev/null || true; wait "$kringd_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

cat > "$dir/kringd.toml" <<TOML
[connections]
max_per_address = 0
max_unauthenticated = 0
[request_rate]
connection_per_second = 1000000
connection_burst = 1000000
account_per_second = 1000000
account_burst = 1000000
[passwords]
time_cost = 1
memory_kib = 1024
[attachments]
max_bytes = $(( (SIZE_MIB + 1) * 1024 * 1024 ))
network_quota_bytes = $(( (2 * N + 4) * (SIZE_MIB + 1) * 1024 * 1024 ))
TOML
echo admin-password-0001 | "$KRINGD" admin create admin --kind admin --data-dir "$dir/data" \
  --config "$dir/kringd.toml" --password-stdin > /dev/null
"$KRINGD" serve --data-dir "$dir/data" --config "$dir/kringd.toml" --listen 127.0.0.1:0 \
  > "$dir/kringd.out" 2> "$dir/kringd.log" &
kringd_pid=$!
for _ in $(seq 200); do grep -q "listening on" "$dir/kringd.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/kringd.out")
[[ -n $port ]] || { echo "kringd did not start" >&2; cat "$dir/kringd.log" >&2; exit 1; }
ca=$dir/data/tls/cert.pem

kring() { KRING_HOME=$dir/home-$1 "$KRING" --server "wss://127.0.0.1:$port" --ca "$ca" "${@:2}"; }
echo admin-password-0001 | kring admin login admin --password-stdin > /dev/null
echo ruth-password-0001 | kring admin user create ruth --kind client --password-stdin > /dev/null
echo ruth-password-0001 | kring ruth login ruth --password-stdin > /dev/null
network=$(kring ruth network open --client ruth)
thread=$(kring ruth threads "$network" | awk 'NR==1 {print $1}')
token=$(sed -n 's/^token=//p' "$dir/home-ruth/session")
url=https://127.0.0.1:$port

head -c $(( SIZE_MIB * 1024 * 1024 - 9 )) /dev/urandom > "$dir/random"
{ printf '%%PDF-1.7\n'; cat "$dir/random"; } > "$dir/file.pdf"
bytes=$(stat -c %s "$dir/file.pdf")

rss_peak_mib() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$kringd_pid/status"; }
rss_now_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$kringd_pid/status"; }
upload() {  # $1: output file
  curl -sS --cacert "$ca" -H "Authorization: Bearer $token" -H "Content-Type: application/octet-stream" \
    --data-binary @"$dir/file.pdf" -o "$1" -w '%{http_code} %{time_total}\n' \
    "$url/v1/networks/$network/threads/$thread/attachments?name=file.pdf"
}
download() {  # $1: attachment id
  curl -sS --cacert "$ca" -H "Authorization: Bearer $token" -o /dev/null -w '%{http_code} %{time_total}\n' \
    "$url/v1/networks/$network/attachments/$1"
}
# The attachment id from a serialized kring.v1.Response (attachment_store = 90, attachment = 1,
# id = 1): read with protoc when it is there, else by the CLI's history.
attachment_id() { protoc --decode_raw < "$1" | awk '/^ *1: [0-9]+$/ {print $2; exit}'; }

echo "kringd RSS after start: $(rss_now_mib) MiB (peak $(rss_peak_mib) MiB); file $bytes bytes; N=$N"
echo
echo "| phase | HTTP | seconds (wall) | MB/s | kringd peak RSS (MiB) |"
echo "| --- | --- | --- | --- | --- |"
read -r code secs < <(upload "$dir/one.out")
printf '| one upload | %s | %.3f | %.1f | %s |\n' "$code" "$secs" "$(echo "$bytes / $secs / 1000000" | bc -l)" "$(rss_peak_mib)"
id=$(attachment_id "$dir/one.out")
read -r code secs < <(download "$id")
printf '| one download | %s | %.3f | %.1f | %s |\n' "$code" "$secs" "$(echo "$bytes / $secs / 1000000" | bc -l)" "$(rss_peak_mib)"

start=$(date +%s.%N)
for i in $(seq "$N"); do upload "$dir/up-$i.out" > "$dir/up-$i.code" & done
wait $(jobs -p | grep -v "^$kringd_pid$") 2>/dev/null || true
end=$(date +%s.%N)
ok=$(cat "$dir"/up-*.code | awk '$1 == 200' | wc -l)
printf '| %d uploads at once | %d× 200 | %.3f | %.1f | %s |\n' "$N" "$ok" "$(echo "$end - $start" | bc -l)" \
  "$(echo "$N * $bytes / ($end - $start) / 1000000" | bc -l)" "$(rss_peak_mib)"

start=$(date +%s.%N)
for i in $(seq "$N"); do download "$id" > "$dir/down-$i.code" & done
wait $(jobs -p | grep -v "^$kringd_pid$") 2>/dev/null || true
end=$(date +%s.%N)
ok=$(cat "$dir"/down-*.code | awk '$1 == 200' | wc -l)
printf '| %d downloads at once | %d× 200 | %.3f | %.1f | %s |\n' "$N" "$ok" "$(echo "$end - $start" | bc -l)" \
  "$(echo "$N * $bytes / ($end - $start) / 1000000" | bc -l)" "$(rss_peak_mib)"
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
