#!/usr/bin/env bash
# python-synthpop (a Python port of R synthpop's CART) in its own virtual environment,
# for benchmarks/bench_cart.py: its dependencies never meet datatwin's.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-synthpop
.venv-synthpop/bin/pip install --quiet --upgrade pip
.venv-synthpop/bin/pip install --quiet "python-synthpop==0.1.2" pyarrow
.venv-synthpop/bin/python -c "import synthpop; print('synthpop ready')"
