#!/usr/bin/env bash
# Kring developer entry point. Run from anywhere, as root on a fresh Debian 12 machine:
#
#   deploy/dev.sh serve [KRINGD_ARGS...]  install build deps, build kringd and the web app, run it
#                                         on https://127.0.0.1:8443 with data in <checkout>/data
#   deploy/dev.sh test  [CTEST_ARGS...]   install build deps, build everything, run every test
#   deploy/dev.sh bench [BENCH_ARGS...]   build kringd and kring-bench, run kring-bench on its own
#                                         kringd (default: fanout; see docs/benchmarks.md)
#   deploy/dev.sh screenshots             build everything, run the web app's browser tests and save
#                                         every screen in every language to docs/web/*.png
#
# Idempotent: installed packages are left alone (apt is not touched at all when nothing is
# missing) and the build is incremental in <checkout>/build, shared by both subcommands.
# Needs no stdin, so CI runs it as is (.ci/run).
#
# `serve` always passes --data-dir and --listen (which take precedence over a --config file's
# values) unless they are among KRINGD_ARGS.
#
# Environment (all optional):
#   KRING_LISTEN      serve: listen address        (default 127.0.0.1:8443)
#   KRING_DATA_DIR    serve: data directory        (default <checkout>/data)
#   KRING_BUILD_TYPE  CMake build type             (default RelWithDebInfo)
#   KRING_JOBS        parallel build / test jobs   (default: nproc)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BUILD_DIR="${ROOT}/build"
# playwright-core drives Debian's /usr/bin/chromium; no npm package may fetch a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Debian 12 packages needed to build and test Kring (see CMakeLists.txt).
readonly DEPS=(
  cmake ninja-build g++ pkg-config ccache git clang-format
  libboost1.81-dev libssl-dev libprotobuf-dev protobuf-compiler librocksdb-dev
  libgtest-dev libgmock-dev libbenchmark-dev libargon2-dev
  libcli11-dev libtomlplusplus-dev libspdlog-dev libgd-dev
  ca-certificates openssl curl
  # The web app (web/): the browser tests drive Debian's chromium through playwright-core (never
  # a browser download); Noto covers Arabic and Ge'ez (Tigrinya) for its tests and screenshots.
  chromium fonts-noto-core fonts-noto-ui-core
)
# Node.js and npm build the web app. Checked by command, not by package: a machine that has them
# from elsewhere (e.g. NodeSource's nodejs, which bundles npm) keeps them; otherwise Debian's.
readonly NODE_DEPS=(node:nodejs npm:npm)

log() { printf 'dev.sh: %s\n' "$*" >&2; }
die() {
  local code="$1"
  shift
  printf 'dev.sh: error: %s\n' "$*" >&2
  exit "$code"
}

usage() {
  cat >&2 <<'EOF'
usage: deploy/dev.sh serve [KRINGD_ARGS...]   build kringd and run it on https://127.0.0.1:8443
       deploy/dev.sh test  [CTEST_ARGS...]    build everything and run every test
       deploy/dev.sh bench [BENCH_ARGS...]    build and run kring-bench (default: fanout)
       deploy/dev.sh screenshots              regenerate the web app's screenshots in docs/web/
EOF
}

build_jobs() {
  local n="${KRING_JOBS:-}"
  if [[ -z "$n" ]]; then
    n="$(nproc 2>/dev/null || echo 2)"
  fi
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die 2 "KRING_JOBS must be a positive integer, got '${n}'"
  printf '%s' "$n"
}

# Installs whichever of DEPS are missing. apt-get runs only when something is.
install_deps() {
  local missing=() pkg
  for pkg in "${DEPS[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != installed ]]; then
      missing+=("$pkg")
    fi
  done
  local entry
  for entry in "${NODE_DEPS[@]}"; do
    command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry#*:}")
  done
  if ((${#missing[@]} == 0)); then
    log "build dependencies: all ${#DEPS[@]} installed"
    return 0
  fi
  if ((EUID != 0)); then
    log "missing packages: ${missing[*]}"
    log "install them as root, then run this again:"
    log "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    exit 2
  fi
  log "installing missing packages: ${missing[*]}"
  # The lock timeout waits out unattended-upgrades on a freshly booted machine instead of
  # failing at once.
  apt-get -o DPkg::Lock::Timeout=300 update -q ||
    die 1 "apt-get update failed (is a Debian mirror reachable?)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
    --no-install-recommends "${missing[@]}" </dev/null ||
    die 1 "apt-get install failed for: ${missing[*]}"
}

configure() {
  local args=(-S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${KRING_BUILD_TYPE:-RelWithDebInfo}")
  if [[ -f "${BUILD_DIR}/CMakeCache.txt" ]]; then
    # Keep the generator the build dir was made with: CMake refuses to switch it.
    if ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "${BUILD_DIR}/CMakeCache.txt"; then
      log "note: ${BUILD_DIR} was not configured with Ninja; keeping its generator" \
        "(rm -rf build to start over)"
    fi
  else
    args+=(-G Ninja)
  fi
  # CMakeLists.txt uses ccache as the compiler launcher by itself when it is installed.
  log "configuring ${BUILD_DIR} (${KRING_BUILD_TYPE:-RelWithDebInfo})"
  cmake "${args[@]}" || die 1 "cmake configure failed"
}

# Builds the named targets, or everything when none is named.
build() {
  local args=(--build "$BUILD_DIR") n target
  n="$(build_jobs)"
  args+=(-j "$n")
  for target in "$@"; do
    args+=(--target "$target")
  done
  log "building ${*:-everything} with ${n} jobs"
  cmake "${args[@]}" || die 1 "build failed"
}

# True if any of the args sets the option named $1 ("--listen" or "--listen=...").
has_option() {
  local opt="$1" arg
  shift
  for arg in "$@"; do
    [[ "$arg" == "$opt" || "$arg" == "$opt="* ]] && return 0
  done
  return 1
}

# Prints the value the args give the option named $1 (the last one wins), or $2 if none.
option_value() {
  local opt="$1" value="$2"
  shift 2
  while (($# > 0)); do
    case "$1" in
      "$opt") [[ $# -ge 2 ]] && value="$2" ;;
      "$opt="*) value="${1#"$opt"=}" ;;
    esac
    shift
  done
  printf '%s' "$value"
}

cmd_serve() {
  install_deps
  configure
  build kringd kring_web  # kringd serves the web app from build/web/dist
  local kringd="${BUILD_DIR}/server/kringd"
  [[ -x "$kringd" ]] || die 1 "${kringd} was not built (is server/app/ there yet?)"

  local listen data_dir
  listen="$(option_value --listen "${KRING_LISTEN:-127.0.0.1:8443}" "$@")"
  data_dir="$(option_value --data-dir "${KRING_DATA_DIR:-${ROOT}/data}" "$@")"
  local args=(serve)
  # Options given on the command line win over the defaults (kringd rejects repeated options).
  if ! has_option --data-dir "$@"; then
    if [[ ! -d "$data_dir" ]]; then
      mkdir -p "$data_dir"
      chmod 0700 "$data_dir"  # it will hold the TLS key and the store
    fi
    args+=(--data-dir "$data_dir")
  fi
  has_option --listen "$@" || args+=(--listen "$listen")
  args+=("$@")

  log "starting kringd; apps connect to wss://${listen}/v1/ws, trusting ${data_dir}/tls/cert.pem"
  log "on first start kringd prints the bootstrap admin's one-time password below; log in with" \
    "it and change it first (kring login admin; kring password): until then the admin can do" \
    "nothing else. Ctrl-C stops kringd"
  cd "$ROOT"
  exec "$kringd" "${args[@]}"
}

cmd_test() {
  install_deps
  configure
  build
  local n rc=0
  n="$(build_jobs)"
  log "running ctest with ${n} jobs"
  # --no-tests=error: a build that registered no test is a failure, not a green run.
  ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error -j"$n" "$@" || rc=$?
  if ((rc != 0)); then
    die "$rc" "tests failed (ctest exit ${rc}); see the output above"
  fi
  log "all tests passed"
}

# Runs the load generator against a kringd it starts itself. Takes minutes at full size, so it is
# not part of `test` (which runs a small smoke run of it).
cmd_bench() {
  install_deps
  configure
  build kringd kring-bench
  local args=("$@")
  ((${#args[@]} > 0)) || args=(fanout)
  cd "$ROOT"
  exec "${BUILD_DIR}/bench/kring-bench" "${args[@]}" --spawn-kringd "${BUILD_DIR}/server/kringd"
}

# The screenshots in docs/web.md come from the browser tests (web/test/browser/languages.test.ts,
# and password.test.ts for the one-time password screen).
cmd_screenshots() {
  install_deps
  configure
  build
  log "running the web app's screen tests; screenshots go to ${ROOT}/docs/web"
  KRING_WEB_SCREENSHOTS="${ROOT}/docs/web" ctest --test-dir "$BUILD_DIR" --output-on-failure \
    --no-tests=error -R '^web\.browser\.(languages|password|circle)$' || die 1 "the screen tests failed"
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    serve) shift; cmd_serve "$@" ;;
    test) shift; cmd_test "$@" ;;
    bench) shift; cmd_bench "$@" ;;
    screenshots) shift; cmd_screenshots ;;
    -h | --help | help) usage ;;
    "") usage; exit 2 ;;
    *) usage; die 2 "unknown subcommand '${cmd}'" ;;
  esac
}

main "$@"
