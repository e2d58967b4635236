#!/usr/bin/env bash
# Create (or reuse) benchmarks/.venv-mbi with private-pgm's `mbi` 2.0 (graphical-model
# estimation on JAX) for benchmarks/peers/mst_runner.py (the MST mechanism, run as a peer of
# datatwin's DP marginals). Separate from the other peer venvs: mbi brings JAX (jax>=0.9),
# optax and chex. Idempotent; never touches the main environment. pandas is for the
# runner's CSV input/output; the rest are mbi's own requirements.
#
# jax/jaxlib are pinned to 0.10.2 (JAX_VERSION= to change): PyPI's jaxlib wheels are
# CPU-only (no CUDA plugin is installed), which is what the benchmark wants: everything
# runs on the CPU, like datatwin.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(dirname "$SCRIPT_DIR")"
VENV="$BENCH_DIR/.venv-mbi"
PYTHON_BIN="${PYTHON:-python3}"
MBI_VERSION="${MBI_VERSION:-2.0.0}"
JAX_VERSION="${JAX_VERSION:-0.10.2}"

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON_BIN" -m venv "$VENV"
fi
# The venv ignores itself (as Python 3.13's venv does), so git never sees it.
[ -f "$VENV/.gitignore" ] || echo "*" > "$VENV/.gitignore"
unset PIP_TARGET PIP_PREFIX PYTHONPATH PYTHONHOME VIRTUAL_ENV || true

if ! "$VENV/bin/python" -c "import mbi, jax, jaxlib, numpy, pandas, scipy, networkx" 2>/dev/null \
    || [ "$("$VENV/bin/python" -c "from importlib.metadata import version; print(version('mbi'))" 2>/dev/null)" != "$MBI_VERSION" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "mbi==$MBI_VERSION" "jax==$JAX_VERSION" "jaxlib==$JAX_VERSION" numpy pandas scipy networkx
fi
"$VENV/bin/python" -c "from importlib.metadata import version as v; print('mbi', v('mbi'), '| jax', v('jax'), '| jaxlib', v('jaxlib'))" >&2
echo "$VENV/bin/python"
