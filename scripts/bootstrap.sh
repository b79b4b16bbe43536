#!/usr/bin/env bash
# Install what ecredit needs on a fresh Debian machine: uv, the locked Python packages, the Debian
# packages the site needs (a CJK font, Pango) and, with --system, those the browser tests use.
# Safe to run again; it only adds what's missing.
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

# Debian packages. Always: what the running site needs (report PDFs: a CJK font and Pango for
# WeasyPrint). With --system also what the tests need (Chromium for the browser tests).
missing=()
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || missing+=(libpangoft2-1.0-0)
if [[ $want_system == 1 ]]; then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
fi
if (( ${#missing[@]} )); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  if command -v apt-get >/dev/null 2>&1 && { [[ -z $SUDO ]] || sudo -n true 2>/dev/null; }; then
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "bootstrap: missing Debian packages ${missing[*]}: credit report PDFs (and the browser" >&2
    echo "  tests) need them; install with: sudo apt-get install ${missing[*]}" >&2
  fi
fi

# `make run` needs only the runtime packages; the tests add the dev group (pytest, playwright, pyspark).
if [[ $want_dev == 1 ]]; then
  "$UV" sync --frozen --quiet
else
  "$UV" sync --frozen --quiet --no-dev
fi
