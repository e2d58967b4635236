"""The Bayesian network the marginals family estimates from 1- and 2-way tables (``network.py``)."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import ModelFileError
from datatwin.models.dpmarginals import network as nw


def _pairwise_joint(sizes: tuple[int, ...], seed: int) -> np.ndarray:
    """A joint distribution with pairwise interactions only (a log-linear model of order 2)."""
    rng = np.random.default_rng(seed)
    log = np.zeros(sizes)
    for a, b in itertools.combinations(range(len(sizes)), 2):
        shape = [sizes[k] if k in (a, b) else 1 for k in range(len(sizes))]
        log = log + rng.normal(0, 1, (sizes[a], sizes[b])).reshape(shape)
    p = np.exp(log)
    return p / p.sum()


def _margins(p: np.ndarray) -> tuple[dict[int, np.ndarray], dict[tuple[int, int], np.ndarray]]:
    k = p.ndim
    ones = {i: p.sum(axis=tuple(x for x in range(k) if x != i)) for i in range(k)}
    pairs = {(a, b): p.sum(axis=tuple(x for x in range(k) if x not in (a, b))) for a, b in itertools.combinations(range(k), 2)}
    return ones, pairs


def test_max_entropy_recovers_a_joint_of_pairwise_interactions() -> None:
    p = _pairwise_joint((3, 4, 2, 3), seed=0)
    ones, pairs = _margins(p)
    fitted = nw.max_entropy([0, 1, 2, 3], ones, pairs, steps=300)
    assert np.abs(fitted - p).sum() < 1e-6  # the max-entropy joint of its own pairs is the joint itself


def test_max_entropy_keeps_each_pair_and_follows_the_axis_order() -> None:
    p = _pairwise_joint((3, 4, 5), seed=1)
    ones, pairs = _margins(p)
    fitted = nw.max_entropy([2, 0, 1], ones, pairs, steps=100)  # axes: node 2, then 0, then 1
    assert fitted.shape == (5, 3, 4)
    assert np.allclose(fitted.sum(axis=2), pairs[(0, 2)].T, atol=1e-9)
    assert np.allclose(fitted.sum(axis=0), pairs[(0, 1)], atol=1e-9)


def test_max_entropy_without_pairs_is_the_product_of_the_margins() -> None:
    ones = {0: np.array([0.2, 0.8]), 5: np.array([0.5, 0.25, 0.25])}
    fitted = nw.max_entropy([0, 5], ones, {}, steps=10)
    assert np.allclose(fitted, np.outer(ones[0], ones[5]))


def test_network_parents_are_earlier_measured_neighbours_within_the_limits() -> None:
    p = _pairwise_joint((3, 4, 2, 3, 4), seed=2)
    ones, pairs = _margins(p)
    del pairs[(0, 4)], pairs[(1, 3)]  # not measured: never parent and child
    nodes = nw.greedy_network(ones, pairs, max_parents=2, max_cells=40)
    assert sorted(q for q, _, _ in nodes) == [0, 1, 2, 3, 4]
    seen: set[int] = set()
    for q, parents, table in nodes:
        assert set(parents) <= seen and len(parents) <= 2
        assert all(tuple(sorted((q, r))) in pairs for r in parents)
        cells = int(np.prod([ones[r].size for r in parents])) if parents else 1
        assert table.shape == ((cells, ones[q].size) if parents else (ones[q].size,))
        assert cells * ones[q].size <= 40 or not parents
        assert np.allclose(table.sum(-1), 1.0) and (table >= 0).all()
        seen.add(q)
    assert sum(1 for _, parents, _ in nodes if not parents) == 1  # connected by its pairs: one root


def test_network_of_unlinked_groups_has_one_root_each() -> None:
    p = _pairwise_joint((2, 3, 2, 3), seed=3)
    ones, pairs = _margins(p)
    nodes = nw.greedy_network(ones, {(0, 1): pairs[(0, 1)], (2, 3): pairs[(2, 3)]}, max_parents=3)
    roots = [q for q, parents, _ in nodes if not parents]
    assert len(roots) == 2 and {roots[0] in (0, 1), roots[1] in (0, 1)} == {True, False}


def _latent(n: int, seed: int) -> pl.DataFrame:
    """Four noisy copies of one latent label: all six pairs associated."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, n)
    return pl.DataFrame({c: np.where(rng.random(n) < 0.75, x, rng.integers(0, 3, n)).astype(str) for c in "abcd"})


def test_the_network_keeps_every_pair_not_only_a_tree_of_them() -> None:
    frame = _latent(20_000, seed=0)
    model = dt.fit(frame, family="marginals")  # exact: the structure's own fidelity
    synth = model.sample(20_000, seed=1)
    for a, b in itertools.combinations("abcd", 2):
        real = float((frame[a] == frame[b]).mean())
        # a tree keeps 3 of the 6 pairs; the ones it only implies came out 0.05-0.08 off (real: 0.71)
        assert abs(float((synth[a] == synth[b]).mean()) - real) < 0.02, (a, b)
    section = json.loads(model.to_json())["model"]
    assert max(len(t.get("given", [])) for t in section["tree"]) >= 1  # a column with several parents


def test_a_network_file_round_trips_and_a_bad_given_is_refused() -> None:
    model = dt.fit(_latent(3000, seed=1), family="marginals")
    d = json.loads(model.to_json())
    again = dt.Model.from_dict(json.loads(json.dumps(d)))
    assert again.sample(500, seed=4).equals(model.sample(500, seed=4))
    node = next(k for k, t in enumerate(d["model"]["tree"]) if t.get("given"))
    later = d["model"]["tree"][-1]["column"] if node < len(d["model"]["tree"]) - 1 else None
    bad = json.loads(json.dumps(d))
    bad["model"]["tree"][node]["given"] = [bad["model"]["tree"][node]["parent"]]  # the parent twice
    with pytest.raises(ModelFileError, match="'given' must name columns listed earlier") as info:
        dt.Model.from_dict(bad)
    assert info.value.path == f"$.model.tree[{node}].given"
    if later is not None:
        bad = json.loads(json.dumps(d))
        bad["model"]["tree"][node]["given"] = [later]
        with pytest.raises(ModelFileError, match="listed earlier"):
            dt.Model.from_dict(bad)


def test_a_file_of_the_earlier_tree_with_one_given_name_still_samples() -> None:
    frame = _latent(3000, seed=2)
    d = json.loads(dt.fit(frame, family="marginals").to_json())
    tree = d["model"]["tree"]
    node = next(k for k, t in enumerate(tree) if t.get("given"))
    tree[node]["given"] = tree[node]["given"][0]  # one name, as files with one 3-way per node wrote it
    assert isinstance(tree[node]["given"], str)
    shape = np.asarray(tree[node]["probabilities"]).shape
    if len(shape) > 3:  # keep only the first given and the parent: average out the others
        p = np.asarray(tree[node]["probabilities"]).mean(axis=tuple(range(1, len(shape) - 2)))
        tree[node]["probabilities"] = (p / p.sum(-1, keepdims=True)).tolist()
    synth = dt.Model.from_dict(d).sample(2000, seed=0)
    assert synth.schema == frame.schema and synth.height == 2000


def test_pairs_to_measure_grows_with_rows_and_budget_within_its_bounds() -> None:
    from datatwin.models.dpmarginals.family import pairs_to_measure

    def planned(n_hat: float, rho: float, columns: int = 15) -> int:
        share1 = 0.3 / columns
        sd1 = 1.0 / math.sqrt(2.0 * rho * share1)  # the 1-ways' Gaussian noise at that ρ
        return pairs_to_measure(n_hat, sd1, share1, columns - 1, columns * (columns - 1) // 2, columns)

    assert 30 <= planned(32_561, 0.01178) < planned(32_561, 0.98124) < 105  # Adult's size at ε = 1 and 10
    assert planned(300, 0.001) == 14  # never fewer than a spanning tree
    assert planned(10**9, 100.0) == 105  # never more than every pair
    assert planned(10**9, 100.0, columns=40) == 8 * 40  # nor more than 8 per column
    rows, budgets = (1e3, 1e4, 1e5, 1e6), (0.01, 0.1, 1.0)
    for rho in budgets:
        by_rows = [planned(n, rho) for n in rows]
        assert by_rows == sorted(by_rows)  # more rows: never fewer pairs
    for n in rows:
        by_budget = [planned(n, rho) for rho in budgets]
        assert by_budget == sorted(by_budget)  # more budget: never fewer pairs
    assert pairs_to_measure(5000, 0.0, 0.02, 14, 105, 15) == 105  # exact (none): every pair the caps allow
