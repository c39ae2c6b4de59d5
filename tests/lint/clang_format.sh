#!/usr/bin/env bash
# Every tracked C++ file is formatted as the committed .clang-format says (Debian 12's
# clang-format 14). Fails naming each file and line that is not.
#
# Usage: clang_format.sh SOURCE_DIR (registered with ctest in tests/CMakeLists.txt). Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "${1:?usage: clang_format.sh SOURCE_DIR}"
if ! command -v clang-format >/dev/null; then
  echo "clang_format: clang-format is missing: apt-get install clang-format (deploy/dev.sh installs it)" >&2
  exit 1
fi

if [[ -d .git || -f .git ]]; then
  mapfile -t files < <(git ls-files -- '*.cc' '*.h')
else
  mapfile -t files < <(find server client-sdk bench proto tests -name '*.cc' -o -name '*.h' | sort)
fi
if [[ ${#files[@]} -eq 0 ]]; then
  echo "clang_format: no C++ files found under $(pwd)" >&2
  exit 1
fi
if ! clang-format --dry-run -Werror "${files[@]}"; then
  echo "clang_format: the files above differ from .clang-format; run:" \
    "git ls-files '*.cc' '*.h' | xargs clang-format -i" >&2
  exit 1
fi
echo "clang_format: ${#files[@]} files formatted as .clang-format says"
