#!/usr/bin/env bash
# Create (or reuse) benchmarks/.venv-sdv with SDV (GaussianCopulaSynthesizer) and SDMetrics,
# for benchmarks/bench_families.py. Separate from .venv-peers (metasyn): SDV pins its own
# numpy/pandas ranges. Idempotent; never touches the main environment.
#
# SDV depends on torch (for CTGAN, unused here): install the CPU build first so that pip
# does not download a multi-gigabyte CUDA build (torch==2.13.0 is cached on this machine
# kind; elsewhere pip downloads the CPU wheel from PyPI's index for your platform).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(dirname "$SCRIPT_DIR")"
VENV="$BENCH_DIR/.venv-sdv"
PYTHON_BIN="${PYTHON:-python3}"
SDV_VERSION="${SDV_VERSION:-}"

GITIGNORE="$BENCH_DIR/.gitignore"
if ! grep -qxF ".venv-sdv/" "$GITIGNORE" 2>/dev/null; then
    echo ".venv-sdv/" >> "$GITIGNORE"
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON_BIN" -m venv "$VENV"
fi
unset PIP_TARGET PIP_PREFIX PYTHONPATH PYTHONHOME VIRTUAL_ENV || true

if ! "$VENV/bin/python" -c "import sdv, sdmetrics, polars, pyarrow" 2>/dev/null; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "torch==2.13.0" \
        || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check torch --index-url https://download.pytorch.org/whl/cpu
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "sdv${SDV_VERSION:+==$SDV_VERSION}" polars pyarrow scikit-learn
fi
"$VENV/bin/python" -c "import sdv, sdmetrics; print('sdv', sdv.__version__, '| sdmetrics', sdmetrics.__version__)" >&2
echo "$VENV/bin/python"
