#!/usr/bin/env bash
# The main job: installs what is missing, starts the embedded ComfyUI headless, runs the
# example workflow(s) through its HTTP API and writes the outputs to demo_output/.
# Extra arguments go to scripts/demo.py (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python scripts/demo.py "$@"
