#!/usr/bin/env bash
# The test command: installs what is missing, then runs every test, the integration tests
# against a real ComfyUI server included. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
