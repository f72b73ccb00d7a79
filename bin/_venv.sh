# Sourced by the bin/ scripts: makes .venv and installs the locked dependencies into it when
# needed. `run` installs requirements/lock.txt, `dev` requirements/lock-dev.txt (both made by
# bin/lock, every file checked against its hash), then the project itself without deps.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
MODE="${1:-run}"
LOCK=requirements/lock.txt
[ "$MODE" = "dev" ] && LOCK=requirements/lock-dev.txt
if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtual environment .venv"
  "$PY" -m venv .venv
fi
# A new stamp whenever pyproject.toml or the lock file changes.
STAMP=.venv/.installed-$(cat pyproject.toml "$LOCK" | sha256sum | cut -c1-16)-$MODE
if [ ! -f "$STAMP" ]; then
  echo "==> installing dependencies from $LOCK"
  .venv/bin/python -m pip install -q --require-hashes -r "$LOCK"
  .venv/bin/python -m pip install -q --no-deps -e .
  touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
