#!/usr/bin/env bash
# The project's test command: sets up .venv if needed, then runs every test (slow ones included).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
exec .venv/bin/python -m pytest -q "$@"
