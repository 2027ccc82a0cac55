# Shared by scripts/app and scripts/test: make .venv with the project installed.
# Usage: source scripts/bootstrap.sh EXTRAS   (EXTRAS e.g. "" or "test")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PAKETPILOT_VENV:-$ROOT/.venv}"
extras="${1:-}"
stamp="$VENV/.installed-${extras:-base}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# Reinstall only when pyproject.toml changed since the last install.
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip 2>/dev/null || true
    spec="$ROOT"
    [ -n "$extras" ] && spec="$ROOT[$extras]"
    "$VENV/bin/python" -m pip install --quiet -e "$spec"
    touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
