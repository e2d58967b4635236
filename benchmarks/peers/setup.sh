#!/usr/bin/env bash
# Create (or reuse) the isolated peers virtual environment at benchmarks/.venv-peers
# and install metasyn 3.0.0 into it. Idempotent; never touches the main environment.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(dirname "$SCRIPT_DIR")"
VENV="$BENCH_DIR/.venv-peers"
PYTHON_BIN="${PYTHON:-python3}"
METASYN_VERSION="3.0.0"

# Keep the venv out of git (benchmarks/.gitignore, not the repo root one).
GITIGNORE="$BENCH_DIR/.gitignore"
if ! grep -qxF ".venv-peers/" "$GITIGNORE" 2>/dev/null; then
    echo ".venv-peers/" >> "$GITIGNORE"
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON_BIN" -m venv "$VENV"
fi

# Unset anything that could redirect pip to the main environment.
unset PIP_TARGET PIP_PREFIX PYTHONPATH PYTHONHOME VIRTUAL_ENV || true

if ! "$VENV/bin/python" - "$METASYN_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
assert version("metasyn") == sys.argv[1]
import pyarrow, polars, sdmetrics  # noqa: F401
PY
then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "metasyn==$METASYN_VERSION" pyarrow "sdmetrics==0.32.0"
fi

"$VENV/bin/python" -c "import metasyn, polars, pyarrow; print('metasyn', metasyn.__version__, '| polars', polars.__version__, '| pyarrow', pyarrow.__version__)" >&2
echo "$VENV/bin/python"
