"""The copula's correlation matrix: made a proper correlation matrix, checked, and calibrated.

The correlation of normal scores understates the latent dependence between discrete
columns (a binary column cannot correlate 0.9 with anything), so the latent matrix is
**calibrated**: draw rows under the current matrix, score them exactly as the real rows
were scored, and correct the matrix by the difference between the target and the
simulated score correlations — a few fixed-point steps, on common random numbers, so the
fit stays deterministic. Everything here is post-processing of released statistics.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: smallest eigenvalue a fitted matrix keeps (before rescaling to a unit diagonal)
EIGEN_FLOOR = 1e-4
#: latent correlations stay inside (-LIMIT, LIMIT): a perfectly dependent pair is singular
LIMIT = 0.999
#: decimals a correlation is written with in the model file (well inside EIGEN_FLOOR)
DECIMALS = 6


def nearest_correlation(r: np.ndarray, floor: float = EIGEN_FLOOR) -> np.ndarray:
    """A symmetric positive-definite matrix with unit diagonal near ``r`` (eigenvalues
    clipped at ``floor``, then rescaled to a unit diagonal)."""
    r = (np.asarray(r, dtype=float) + np.asarray(r, dtype=float).T) / 2
    np.fill_diagonal(r, 1.0)
    if r.shape[0] == 0:
        return r
    w, v = np.linalg.eigh(r)
    if w.min() < floor:
        r = (v * np.maximum(w, floor)) @ v.T
        d = np.sqrt(np.diag(r))
        r = r / d[:, None] / d[None, :]
        r = (r + r.T) / 2
        np.fill_diagonal(r, 1.0)
    return r


def correlation_problem(r: np.ndarray) -> str | None:
    """Why ``r`` is not a valid correlation matrix (symmetric, unit diagonal, entries in
    [-1, 1], positive definite), or None."""
    r = np.asarray(r, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        return f"must be a square matrix; got shape {r.shape}"
    if not np.all(np.isfinite(r)):
        return "holds a value that is not a finite number"
    bad = np.argwhere(np.abs(r - r.T) > 1e-9)
    if len(bad):
        i, j = bad[0]
        return f"is not symmetric: entry [{i}][{j}] is {r[i, j]:g} but [{j}][{i}] is {r[j, i]:g}"
    diag = np.flatnonzero(np.abs(np.diag(r) - 1.0) > 1e-9)
    if len(diag):
        return f"needs 1 on the diagonal: entry [{diag[0]}][{diag[0]}] is {r[diag[0], diag[0]]:g}"
    if np.any(np.abs(r) > 1.0):
        i, j = np.argwhere(np.abs(r) > 1.0)[0]
        return f"entry [{i}][{j}] is {r[i, j]:g}, outside [-1, 1]"
    if r.shape[0] and np.linalg.eigvalsh(r).min() <= 1e-12:
        return (
            "is not positive definite (its smallest eigenvalue is "
            f"{np.linalg.eigvalsh(r).min():.3g}): no Gaussian has these correlations; undo the edit, or refit"
        )
    return None


def rounded(r: np.ndarray) -> np.ndarray:
    """``r`` rounded for the model file; still positive definite (the eigenvalue floor is far
    above the rounding error)."""
    out = np.round(r, DECIMALS)
    np.fill_diagonal(out, 1.0)
    # + 0.0 turns -0.0 into 0.0: an entry held near zero (with_zeros) rounds to a zero whose
    # sign is noise, and the file would read differently for the same model (streamed or not)
    return (out + out.T) / 2 + 0.0


def with_zeros(r: np.ndarray, zero: np.ndarray | None, rounds: int = 5) -> np.ndarray:
    """``r`` with the entries of the mask ``zero`` at 0, kept positive definite (alternating
    projections: zero the entries, project back onto correlation matrices; the last step is
    the projection, so the result is always valid and the entries end up close to 0)."""
    r = nearest_correlation(r)
    if zero is None or not zero.any():
        return r
    for _ in range(rounds):
        r = np.where(zero, 0.0, r)
        r = nearest_correlation(r)
    return r


def calibrate(
    target: np.ndarray,
    simulate: Callable[[np.ndarray], np.ndarray],
    steps: int,
    z: np.ndarray,
    zero: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """The latent correlation whose simulated score correlation matches ``target``.

    ``simulate(w)`` scores latent rows ``w`` (rows x D) and returns their score correlation;
    ``z`` are fixed standard normal rows (common random numbers); ``zero`` marks latent
    correlations held at 0 (a column's value and its own missing indicator: the values of
    the rows that are present must keep the column's marginal). Returns the matrix and the
    largest remaining absolute difference between the target and the simulated correlations
    (over the entries not held at 0).
    """
    free = np.ones(target.shape, dtype=bool) if zero is None else ~zero
    np.fill_diagonal(free, False)
    r = with_zeros(np.clip(target, -LIMIT, LIMIT), zero)
    error = np.inf
    for step in range(steps + 1):
        simulated = simulate(z @ np.linalg.cholesky(r).T)
        gap = np.where(free, target - simulated, 0.0)
        error = float(np.abs(gap).max()) if gap.size else 0.0
        if step == steps:
            break
        r = with_zeros(np.clip(r + gap, -LIMIT, LIMIT), zero)
    return r, error
