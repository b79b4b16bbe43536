#!/usr/bin/env bash
# Install what ecredit needs on a fresh Debian machine: uv, the locked Python packages, and (with
# --system) the Debian packages the browser tests use. Safe to run again; it only adds what's missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_system=0
want_dev=0
for arg in "$@"; do
  [[ "$arg" == "--system" ]] && want_system=1
  [[ "$arg" == "--dev" ]] && want_dev=1
done

if ! command -v uv >/dev/null 2>&1 && [[ ! -x "$HOME/.local/bin/uv" ]]; then
  echo "bootstrap: installing uv from PyPI" >&2
  python3 -m pip install --user --quiet uv || python3 -m pip install --quiet --break-system-packages --user uv
fi
UV="$(command -v uv || echo "$HOME/.local/bin/uv")"

if [[ $want_system == 1 ]]; then
  missing=()
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  # (no `fc-list | grep -q` here: under pipefail grep's early exit makes the pipeline fail)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  # WeasyPrint (credit report PDFs) loads Pango through cffi
  dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || missing+=(libpangoft2-1.0-0)
  if (( ${#missing[@]} )); then
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

# `make run` needs only the runtime packages; the tests add the dev group (pytest, playwright, pyspark).
if [[ $want_dev == 1 ]]; then
  "$UV" sync --frozen --quiet
else
  "$UV" sync --frozen --quiet --no-dev
fi
