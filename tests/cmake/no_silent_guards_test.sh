#!/usr/bin/env bash
# No target or test is left out of a build because something is missing: every dependency is
# looked up through cmake/KringRequire.cmake, which fails the configure with its name (or, for
# an optional tool, says so). Fails, naming each file and line, when a CMakeLists.txt or .cmake
# file elsewhere looks a dependency up itself (find_package, find_program, find_library,
# find_path, pkg_check_modules), asks quietly (QUIET), or builds on whether something was found
# (`if(TARGET ...)`, `..._FOUND`).
#
# Usage: no_silent_guards_test.sh SOURCE_DIR (registered with ctest in tests/CMakeLists.txt).
set -euo pipefail
cd "${1:?usage: no_silent_guards_test.sh SOURCE_DIR}"

# Tracked and new files alike; build dirs and web/node_modules are ignored by .gitignore.
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*CMakeLists.txt' \
  '*.cmake' | sort -u | grep -vx 'cmake/KringRequire.cmake')
if [[ ${#files[@]} -eq 0 ]]; then
  echo "no_silent_guards: no CMake files found under $(pwd)" >&2
  exit 1
fi

pattern='^[^#]*(find_package|find_program|find_library|find_path|pkg_check_modules)[[:space:]]*\(|^[^#]*\bQUIET\b|^[^#]*\bif[[:space:]]*\([^)]*\bTARGET\b|^[^#]*_FOUND\b'
if hits=$(grep -HnE "$pattern" -- "${files[@]}"); then
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    echo "${file}:${rest%%:*}: a dependency looked up or tested outside KringRequire: ${rest#*:}" >&2
  done <<<"$hits"
  echo "no_silent_guards: use kring_require_package, kring_require_pkg_config or" \
    "kring_require_program (cmake/KringRequire.cmake), which fail the configure with the" \
    "missing dependency's name" >&2
  exit 1
fi
echo "no_silent_guards: ${#files[@]} CMake files look nothing up on their own"
