"""Text that keeps its shape: codes with separators (Spaceship Titanic's ``0001_01`` and
``B/0/P``), names with titles and commas (Titanic's ``Braund, Mr. Owen Harris``) and
columns of name-like words (pet names). The data are built here in the shape of those
public tables (no file of theirs is needed)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from faker import Faker

import datatwin as dt
from datatwin.personal.names import without_titles

N = 4000


def _spaceship() -> pl.DataFrame:
    rng = np.random.default_rng(11)
    group = np.sort(rng.choice(np.arange(1, 9300), N, replace=False))
    member = rng.choice([1, 2, 3, 4], N, p=[0.72, 0.17, 0.07, 0.04])
    ids = [f"{g:04d}_{m:02d}" for g, m in zip(group, member)]
    deck = rng.choice(list("ABCDEFG"), N)
    deck[:5] = "T"  # a deck held by 5 < k rows, as in the real table
    cabin = [f"{d}/{n}/{s}" for d, n, s in zip(deck, rng.integers(0, 1800, N), rng.choice(["P", "S"], N))]
    return pl.DataFrame({"PassengerId": ids, "Cabin": cabin})


def test_codes_with_separators_keep_their_shape() -> None:
    frame = _spaceship()
    model = dt.fit(frame)
    ids, cabin = model.column("PassengerId"), model.column("Cabin")
    assert ids.distribution.name == "pattern" and ids.unique
    assert ids.distribution.shapes[0]["pattern"] == "[0-9]{4}_[0-9]{2}"
    assert cabin.distribution.name == "pattern"
    s = model.sample(N, seed=3)
    assert s["PassengerId"].n_unique() == N  # unique, at the fitted row count
    assert s["PassengerId"].str.contains(r"^\d{4}_\d{2}$").all()
    assert float(s["Cabin"].str.contains(r"^[A-G]/\d{1,4}/[PS]$").mean()) > 0.99
    assert not s["Cabin"].str.starts_with("T/").any()  # deck T (5 rows) is not published
    big = model.sample(100_000, seed=4)["PassengerId"]  # more than the data: room for a million
    assert big.n_unique() == 100_000 and big.str.contains(r"^\d{4}_\d{2}$").all()


def test_names_with_titles_commas_and_parentheses_are_names() -> None:
    fake = Faker("en_US")
    Faker.seed(4)
    titles = ["Mr.", "Mrs.", "Miss.", "Master."]
    names = [
        f"{fake.last_name()}, {titles[i % 4]} {fake.first_name()} {fake.first_name()}"
        + (f" ({fake.first_name()} {fake.last_name()})" if i % 5 == 0 else "")
        for i in range(900)
    ]
    col = dt.fit(pl.DataFrame({"Name": names})).column("Name")
    assert col.distribution.name == "faker" and col.selection["method"] == "personal data"
    assert "full names" in col.selection["reason"]


def test_without_titles() -> None:
    got = without_titles(pl.Series(["Braund, Mr. Owen Harris", "Heikkinen, Miss. Laina", "Don Smith", "Mr Bean"]))
    assert got.to_list() == ["Braund, Owen Harris", "Heikkinen, Laina", "Don Smith", "Bean"]


def test_many_distinct_capitalised_words_look_like_first_names() -> None:
    rng = np.random.default_rng(1)
    syllables = ["bis", "cu", "it", "mo", "chi", "pep", "per", "zig", "gy", "noo", "dle", "waf", "fle", "tof", "sna"]
    made = sorted({"".join(rng.choice(syllables, rng.integers(2, 4))).capitalize() for _ in range(150)})[:100]
    fake = Faker("en_US")
    Faker.seed(2)
    first = sorted({fake.first_name() for _ in range(200)})[:60]
    pets = rng.choice(np.array(made + first, dtype=object), 3000)
    col = dt.fit(pl.DataFrame({"animal_name": pets})).column("animal_name")
    assert col.distribution.name == "faker" and col.distribution.provider == "first_name"
    assert "name-like" in col.selection["reason"]


@pytest.mark.parametrize("words", [["Red", "Green", "Blue", "Yellow"] * 30, ["Alpha", "Beta"] * 100])
def test_a_few_capitalised_labels_stay_a_category(words: list[str]) -> None:
    col = dt.fit(pl.DataFrame({"colour": words})).column("colour")
    assert col.kind == "categorical"
