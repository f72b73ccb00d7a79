# Sourced by the bin/ scripts: makes .venv and installs the project into it when needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtual environment .venv"
  "$PY" -m venv .venv
fi
STAMP=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${1:-run}
if [ ! -f "$STAMP" ]; then
  echo "==> installing dependencies"
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "${1:-run}" = "dev" ]; then
    .venv/bin/python -m pip install -q -e '.[dev]'
  else
    .venv/bin/python -m pip install -q -e .
  fi
  touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
