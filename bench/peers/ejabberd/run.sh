#!/usr/bin/env bash
# ejabberd side by side with Kring, driven by the same native load generator (kring-bench).
#
#   bench/peers/ejabberd/run.sh [--networks N] [--members M] [--duration S]
#                               [--window W | --rate R] [--senders K]
#
# Runs, in one go on one machine: ejabberd with its MUC archive (mod_mam) in SQLite (synced per
# message, like Kring), ejabberd with the archive in mnesia (its default; not synced per
# message), then kringd; each with the same `fanout` shape (N rooms/networks x M members, one
# sender per room by default). Prints one Markdown table and the ratios Kring/ejabberd.
#
# Each ejabberd is our own: a scratch root under a temp dir, a config rendered from the
# templates beside this script (127.0.0.1 only), a self-signed certificate, started in the
# foreground as the ejabberd user, its PID recorded, stopped with `ejabberdctl stop` on its own
# config (and by that PID if it does not go). Users and rooms are made through the loopback
# admin API (/api), one HTTP connection for all of them. After each run the archive is counted
# twice: by the load generator (a MAM query with RSM max 0 per room, which answers with the
# room's archived count) and, for SQLite, straight from the archive table; both must equal
# the number of messages sent.
#
# Idempotent, needs no stdin (CI=true safe), runs as root: installs ejabberd and
# erlang-p1-sqlite3 only if missing (apt is not touched otherwise) and builds kringd and
# kring-bench in <checkout>/build, configured with -DKRING_BENCH_PEERS=ON (the XMPP driver).
#
# Environment (optional): EJ_WS_PORT (5280), EJ_WSS_PORT (5443), EJ_C2S_PORT (5222),
# EJ_DIST_PORT (5210), KRING_JOBS (build jobs, default 2), KEEP_EJABBERD_ROOT=1 keeps the
# scratch roots.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHECKOUT="$(cd "${HERE}/../../.." && pwd)"
BUILD_DIR="${CHECKOUT}/build"
BENCH="${BUILD_DIR}/bench/kring-bench"
KRINGD="${BUILD_DIR}/server/kringd"
WS_PORT="${EJ_WS_PORT:-5280}"
WSS_PORT="${EJ_WSS_PORT:-5443}"
C2S_PORT="${EJ_C2S_PORT:-5222}"
DIST_PORT="${EJ_DIST_PORT:-5210}"
DOMAIN=localhost
MUC="conference.localhost"
PASSWORD="kring-bench-password"
PREFIX="b"

# The shape, passed through to every run. 100 x 8 is the issue's; ejabberd-SQL saturates near
# a few hundred messages/s here, which closed loop finds by itself.
NETWORKS=100
MEMBERS=8
DURATION=10
WINDOW=16
RATE=0
SENDERS=1

log() { printf 'run.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

parse_args() {
  while (($# > 0)); do
    [[ $# -ge 2 ]] || { usage; exit 2; }
    case "$1" in
      --networks) NETWORKS="$2" ;;
      --members) MEMBERS="$2" ;;
      --duration) DURATION="$2" ;;
      --window) WINDOW="$2" ;;
      --rate) RATE="$2" ;;
      --senders) SENDERS="$2" ;;
      *) usage; exit 2 ;;
    esac
    shift 2
  done
}

install_ejabberd() {
  local missing=() pkg
  for pkg in ejabberd erlang-p1-sqlite3 sqlite3 curl openssl; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != installed ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  # Debian's ejabberd service is not wanted (it would listen on every interface): when no
  # policy-rc.d forbids service starts already, forbid them for the install only.
  local policy=/usr/sbin/policy-rc.d added=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added=1
  fi
  apt-get -o DPkg::Lock::Timeout=300 update -q || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
    --no-install-recommends "${missing[@]}" </dev/null || die "apt-get install failed"
  ((added)) && rm -f "$policy"
  return 0
}

# kring-bench speaks XMPP only when configured with KRING_BENCH_PEERS=ON (off by default); an
# existing build dir keeps its generator and other settings and gets that option turned on.
build_kring() {
  if [[ ! -f "${BUILD_DIR}/CMakeCache.txt" ]]; then
    cmake -S "$CHECKOUT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DKRING_BENCH_PEERS=ON >&2 || die "cmake configure failed"
  else
    cmake -S "$CHECKOUT" -B "$BUILD_DIR" -DKRING_BENCH_PEERS=ON >&2 || die "cmake configure failed"
  fi
  cmake --build "$BUILD_DIR" -j "${KRING_JOBS:-2}" --target kringd --target kring-bench >&2 ||
    die "build failed"
}

check_ports_free() {
  local port
  for port in "$WS_PORT" "$WSS_PORT" "$C2S_PORT" "$DIST_PORT"; do
    if ss -ltnH "sport = :${port}" | grep -q .; then
      die "port ${port} is in use (set EJ_*_PORT to free ones)"
    fi
  done
}

EJ_ROOT=""
EJ_PID=""
EJ_BACKEND=""

ctl() {
  runuser -u ejabberd -- env HOME="${EJ_ROOT}/home" /usr/sbin/ejabberdctl -d "${EJ_ROOT}/etc" \
    -c "${EJ_ROOT}/etc/ejabberdctl.cfg" -f "${EJ_ROOT}/etc/ejabberd.yml" \
    -s "${EJ_ROOT}/spool" -l "${EJ_ROOT}/logs" "$@"
}

render() {
  sed -e "s#@ROOT@#${EJ_ROOT}#g" -e "s#@WS_PORT@#${WS_PORT}#g" -e "s#@WSS_PORT@#${WSS_PORT}#g" \
    -e "s#@C2S_PORT@#${C2S_PORT}#g" -e "s#@DIST_PORT@#${DIST_PORT}#g" "$1" >"$2"
}

# The beam.smp PID: ejabberd writes its OS pid to EJABBERD_PID_PATH once it has started.
beam_pid() { cat "${EJ_ROOT}/run/ejabberd.pid" 2>/dev/null || true; }

start_ejabberd() {
  EJ_BACKEND="$1"
  EJ_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/kring-ejabberd-${EJ_BACKEND}.XXXXXX")"
  mkdir -p "${EJ_ROOT}"/{etc,spool,logs,run,home,etc/modules.d}
  render "${HERE}/ejabberd.${EJ_BACKEND}.yml.in" "${EJ_ROOT}/etc/ejabberd.yml"
  render "${HERE}/ejabberdctl.cfg.in" "${EJ_ROOT}/etc/ejabberdctl.cfg"
  : >"${EJ_ROOT}/etc/inetrc"  # erl looks for it in the config dir and complains when missing
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=${DOMAIN}" \
    -addext "subjectAltName=DNS:${DOMAIN},DNS:${MUC},IP:127.0.0.1" \
    -keyout "${EJ_ROOT}/etc/key.pem" -out "${EJ_ROOT}/etc/cert.pem" 2>/dev/null ||
    die "openssl req failed"
  cat "${EJ_ROOT}/etc/cert.pem" "${EJ_ROOT}/etc/key.pem" >"${EJ_ROOT}/etc/ejabberd.pem"
  chown -R ejabberd:ejabberd "$EJ_ROOT"
  chmod 700 "$EJ_ROOT"
  log "${EJ_BACKEND}: starting ejabberd in ${EJ_ROOT}"
  (cd "${EJ_ROOT}/spool" && exec runuser -u ejabberd -- env HOME="${EJ_ROOT}/home" \
    /usr/sbin/ejabberdctl -d "${EJ_ROOT}/etc" -c "${EJ_ROOT}/etc/ejabberdctl.cfg" \
    -f "${EJ_ROOT}/etc/ejabberd.yml" -s "${EJ_ROOT}/spool" -l "${EJ_ROOT}/logs" foreground \
    >"${EJ_ROOT}/logs/foreground.log" 2>&1 </dev/null) &
  EJ_PID=$!
  local i
  for ((i = 0; i < 120; ++i)); do
    if ! kill -0 "$EJ_PID" 2>/dev/null; then
      tail -20 "${EJ_ROOT}/logs/foreground.log" >&2 || true
      die "${EJ_BACKEND}: ejabberd exited while starting"
    fi
    if [[ -n "$(beam_pid)" ]] &&
      curl -sf -m 2 -X POST -d '{}' "http://127.0.0.1:${WS_PORT}/api/status" >/dev/null 2>&1; then
      break
    fi
    sleep 0.5
  done
  ((i < 120)) || die "${EJ_BACKEND}: ejabberd not ready after 60 s"
  if [[ "$EJ_BACKEND" == sqlite ]]; then
    # The SQL pool starts (and creates the schema) on the first SQL query, and messages sent
    # while it starts are delivered but not archived: make a query (delete nothing from the
    # archive), then wait until the archive table is there.
    curl -sf -m 30 -X POST -d '{"type":"all","days":36500}' \
      "http://127.0.0.1:${WS_PORT}/api/delete_old_mam_messages" >/dev/null ||
      die "sqlite: /api/delete_old_mam_messages failed"
    # (sqlite3 would create a missing file, and ejabberd loads its schema only into a new one.)
    for ((i = 0; i < 60; ++i)); do
      [[ -s "${EJ_ROOT}/spool/ejabberd.sqlite" ]] &&
        sqlite3 -readonly "${EJ_ROOT}/spool/ejabberd.sqlite" 'SELECT count(*) FROM archive' \
          >/dev/null 2>&1 && break
      sleep 0.5
    done
    ((i < 60)) || die "sqlite: the archive table did not appear"
  fi
  log "${EJ_BACKEND}: ejabberd ready, beam.smp pid $(beam_pid)"
}

stop_ejabberd() {
  [[ -n "$EJ_PID" ]] || return 0
  log "${EJ_BACKEND}: stopping ejabberd"
  ctl stop >/dev/null 2>&1 || true
  local i
  for ((i = 0; i < 60; ++i)); do
    kill -0 "$EJ_PID" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$EJ_PID" 2>/dev/null; then
    local beam
    beam="$(beam_pid)"
    log "${EJ_BACKEND}: ejabberd did not stop; SIGTERM to beam.smp ${beam:-?}"
    [[ -n "$beam" ]] && kill "$beam" 2>/dev/null || true
  fi
  wait "$EJ_PID" 2>/dev/null || true
  EJ_PID=""
  if [[ -z "${KEEP_EJABBERD_ROOT:-}" ]]; then
    rm -rf "$EJ_ROOT"
  else
    log "kept ${EJ_ROOT}"
  fi
}

# POSTs every line of $1 ("command json-body") to /api, a few at a time (registering hashes
# each password, so one at a time takes over a minute for 100 x 8); fails on any non-200 answer.
api_bulk() {
  local lines="$1" config="${EJ_ROOT}/api.curl" cmd body codes
  : >"$config"
  local sep=""
  while read -r cmd body; do
    printf '%surl = "http://127.0.0.1:%s/api/%s"\ndata = %s\nheader = "Content-Type: application/json"\noutput = "/dev/null"\nsilent\nshow-error\nwrite-out = "%%{http_code}\\n"\n' \
      "$sep" "$WS_PORT" "$cmd" "$(printf '%s' "$body" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')" \
      >>"$config"
    sep=$'next\n'
  done <"$lines"
  codes="$(curl -sS --no-progress-meter --parallel --parallel-max 4 -K "$config")" || die "curl to /api failed"
  if grep -qv '^200$' <<<"$codes"; then
    die "/api answered $(grep -v '^200$' <<<"$codes" | sort | uniq -c | tr '\n' ' ')"
  fi
}

create_world() {
  local requests="${EJ_ROOT}/api.requests" affiliations="${EJ_ROOT}/api.affiliations" n m room
  local user began=$SECONDS
  : >"$requests"
  : >"$affiliations"
  for ((n = 0; n < NETWORKS; ++n)); do
    for ((m = 0; m < MEMBERS; ++m)); do
      printf 'register {"user":"%sn%dm%d","host":"%s","password":"%s"}\n' \
        "$PREFIX" "$n" "$m" "$DOMAIN" "$PASSWORD" >>"$requests"
    done
  done
  for ((n = 0; n < NETWORKS; ++n)); do
    room="${PREFIX}n${n}"
    printf 'create_room_with_opts {"name":"%s","service":"%s","host":"%s","options":[%s]}\n' \
      "$room" "$MUC" "$DOMAIN" \
      '{"name":"persistent","value":"true"},{"name":"mam","value":"true"},{"name":"members_only","value":"true"}' \
      >>"$requests"
    for ((m = 0; m < MEMBERS; ++m)); do
      user="${PREFIX}n${n}m${m}@${DOMAIN}"
      printf 'set_room_affiliation {"name":"%s","service":"%s","jid":"%s","affiliation":"member"}\n' \
        "$room" "$MUC" "$user" >>"$affiliations"
    done
  done
  # Users and rooms first, then the memberships in the rooms.
  api_bulk "$requests"
  api_bulk "$affiliations"
  log "${EJ_BACKEND}: $(cat "$requests" "$affiliations" | wc -l) /api requests in" \
    "$((SECONDS - began)) s"
}

shape_args() {
  local args=(--networks "$NETWORKS" --members "$MEMBERS" --duration "$DURATION"
    --senders "$SENDERS" --json)
  if [[ "$RATE" != 0 ]]; then args+=(--rate "$RATE"); else args+=(--window "$WINDOW"); fi
  printf '%s\n' "${args[@]}"
}

# Runs the fanout against the running ejabberd; the JSON result goes to $1.
run_ejabberd_fanout() {
  local out="$1" shape rc=0
  mapfile -t shape < <(shape_args)
  log "${EJ_BACKEND}: kring-bench fanout ${shape[*]} --xmpp wss://127.0.0.1:${WSS_PORT}/ws"
  "$BENCH" fanout "${shape[@]}" --xmpp "wss://127.0.0.1:${WSS_PORT}/ws" --ca "${EJ_ROOT}/etc/cert.pem" \
    --xmpp-domain "$DOMAIN" --xmpp-muc "$MUC" --xmpp-prefix "$PREFIX" \
    --xmpp-password "$PASSWORD" --server-pid "$(beam_pid)" >"$out" || rc=$?
  cat "$out" >&2
  return "$rc"
}

# Archived count == sent count: the generator's MAM count is in its JSON; for SQLite also
# count the rows of the archive table itself.
check_archive() {
  local out="$1" sent mam rows=""
  sent="$(json_field "$out" sent)"
  mam="$(json_field "$out" archived)"
  local verdict="ok"
  [[ -n "$sent" && "$mam" == "$sent" ]] || verdict="MISMATCH"
  if [[ "$EJ_BACKEND" == sqlite ]]; then
    rows="$(sqlite3 -readonly "${EJ_ROOT}/spool/ejabberd.sqlite" \
      "SELECT count(*) FROM archive WHERE kind = 'groupchat'")"
    [[ "$rows" == "$sent" ]] || verdict="MISMATCH"
  fi
  printf '%s: sent %s, archived (MAM count over every room) %s%s: %s\n' "$EJ_BACKEND" "$sent" \
    "$mam" "${rows:+, rows in the SQLite archive table ${rows}}" "$verdict" >>"${RESULTS}/checks"
  [[ "$verdict" == ok ]]
}

# The value of a top-level number field in a one-line JSON object (ours: flat where it matters).
json_field() {
  grep -o "\"$2\": [-0-9.a-z]*" "$1" | head -1 | sed 's/.*: //'
}
json_latency() {
  grep -o "\"latency_ms\": {[^}]*}" "$1" | grep -o "\"$2\": [0-9.]*" | sed 's/.*: //'
}

row() {
  local name="$1" out="$2"
  printf '| %s | %.0f | %.0f | %.1f | %.1f | %.1f | %s | %s | %.0f | %s | %s | %s |\n' "$name" \
    "$(json_field "$out" acked_per_s)" "$(json_field "$out" deliveries_per_s)" \
    "$(json_latency "$out" p50)" "$(json_latency "$out" p99)" "$(json_latency "$out" p999)" \
    "$(grep -o '"seconds_per_1k_msgs": [0-9.]*' "$out" | sed 's/.*: //')" \
    "$(grep -o '"server_cpu": {[^}]*}' "$out" | grep -o '"cores": [0-9.]*' | sed 's/.*: //')" \
    "$(awk -v k="$(json_field "$out" server_peak_rss_kib)" 'BEGIN { printf "%.0f", k / 1024 }')" \
    "$(grep -o '"others_cores": [0-9.]*' "$out" | sed 's/.*: //')" \
    "$(cat "${out%.json}.dsync")" "$(json_field "$out" ok)"
}

# Milliseconds per synced 4 KiB write in $1, right now (as docs/benchmarks.md measures the
# disk): ejabberd-SQLite waits on several per message, so on a shared disk its throughput
# follows this more than anything else.
dsync_ms() {
  local file="$1/dsync.probe" took
  took="$( { TIMEFORMAT=%R; time dd if=/dev/zero of="$file" bs=4k count=500 oflag=dsync \
    2>/dev/null; } 2>&1)"
  rm -f "$file"
  awk -v t="$took" 'BEGIN { printf "%.2f", t * 1000 / 500 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "–" }'; }

cleanup() {
  stop_ejabberd
  [[ -n "${RESULTS:-}" && -z "${KEEP_EJABBERD_ROOT:-}" ]] && rm -rf "$RESULTS"
  return 0
}

main() {
  parse_args "$@"
  ((EUID == 0)) || die "run as root (it installs packages and runs ejabberd as its user)"
  install_ejabberd
  build_kring
  check_ports_free
  RESULTS="$(mktemp -d "${TMPDIR:-/tmp}/kring-peer-results.XXXXXX")"
  trap cleanup EXIT
  local failed=0 backend
  for backend in sqlite mnesia; do
    start_ejabberd "$backend"
    create_world
    dsync_ms "$EJ_ROOT" >"${RESULTS}/${backend}.dsync"
    run_ejabberd_fanout "${RESULTS}/${backend}.json" || failed=1
    check_archive "${RESULTS}/${backend}.json" || failed=1
    stop_ejabberd
  done
  local shape
  mapfile -t shape < <(shape_args)
  dsync_ms "$RESULTS" >"${RESULTS}/kring.dsync"
  log "kring: kring-bench fanout ${shape[*]} --spawn-kringd ${KRINGD}"
  "$BENCH" fanout "${shape[@]}" --spawn-kringd "$KRINGD" >"${RESULTS}/kring.json" || failed=1
  cat "${RESULTS}/kring.json" >&2

  local mode="closed loop, window ${WINDOW} per sender"
  [[ "$RATE" != 0 ]] && mode="open loop, ${RATE} msgs/s"
  printf '\nfanout, %s rooms/networks x %s members, %s sender(s) each, %s, %s s, on %s\n\n' \
    "$NETWORKS" "$MEMBERS" "$SENDERS" "$mode" "$DURATION" "$(date -u +%FT%TZ)"
  printf '| server | acked msgs/s | deliveries/s | p50 ms | p99 ms | p99.9 ms | server CPU-s / 1k msgs | server cores | server peak RSS MiB | cores taken by other processes | 4 KiB dsync write ms (before) | checks ok |\n'
  printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
  row "ejabberd 23.01, MAM in SQLite (XMPP/WSS)" "${RESULTS}/sqlite.json"
  row "ejabberd 23.01, MAM in mnesia (XMPP/WSS)" "${RESULTS}/mnesia.json"
  row "kringd (Kring protocol/WSS)" "${RESULTS}/kring.json"
  local k s m
  k="$(json_field "${RESULTS}/kring.json" acked_per_s)"
  s="$(json_field "${RESULTS}/sqlite.json" acked_per_s)"
  m="$(json_field "${RESULTS}/mnesia.json" acked_per_s)"
  printf '\nKring / ejabberd-SQLite: %sx acked msgs/s, p99 %s vs %s ms\n' "$(ratio "$k" "$s")" \
    "$(json_latency "${RESULTS}/kring.json" p99)" "$(json_latency "${RESULTS}/sqlite.json" p99)"
  printf 'Kring / ejabberd-mnesia: %sx acked msgs/s, p99 %s vs %s ms\n' "$(ratio "$k" "$m")" \
    "$(json_latency "${RESULTS}/kring.json" p99)" "$(json_latency "${RESULTS}/mnesia.json" p99)"
  printf '\nArchive checks:\n'
  sed 's/^/  /' "${RESULTS}/checks"
  return "$failed"
}

main "$@"
