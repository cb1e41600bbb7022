#!/usr/bin/env bash
# Every test, from a fresh machine: install what is missing (scripts/setup.sh, make included), then
# make test. Arguments go to make (e.g. XCLIP_GOLDEN=DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
export PATH="$PATH:/usr/local/go/bin"
exec make -C "$root" --no-print-directory test "$@"
