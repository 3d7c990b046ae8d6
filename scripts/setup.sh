#!/usr/bin/env bash
# Creates the project's virtual environment (.venv) on first use, and again whenever pyproject.toml changes.
# torch==2.13.0 goes in first: it resolves to the local CPU build, while a bare `torch` requirement
# (pulled by sentence-transformers) would download several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${NEWSBOT_VENV:-.venv}"
stamp="$venv/.installed-$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
[ -f "$stamp" ] && exit 0
log="$(mktemp -t newsbot-setup.XXXXXX.log)"
echo "newsbot: setting up $venv (first run: a few minutes; llama-cpp-python compiles from source)..." >&2
{
  python3 -m venv "$venv"
  "$venv/bin/pip" install --upgrade pip
  "$venv/bin/pip" install torch==2.13.0
  "$venv/bin/pip" install -e ".[local,test,pg]"
} >"$log" 2>&1 || { tail -n 40 "$log" >&2; echo "newsbot: setup failed; full log: $log" >&2; exit 1; }
rm -f "$venv"/.installed-*
touch "$stamp"
echo "newsbot: setup done" >&2
