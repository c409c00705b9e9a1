"""Fixtures for parser tests: the 2020 municipality registry, built from the package data.

Built here from the CSV files (not through ``storage``) so the parser tests need no
database: legal name = SSB name without its " (County)" qualifier, aliases from
``municipality_aliases.csv``.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from parsers.municipalities import NameIndex
from parsers.types import Municipality

DATA = Path(__file__).resolve().parents[2] / "storage" / "data"


def load_registry() -> tuple[Municipality, ...]:
    aliases: dict[str, list[tuple[str, str]]] = {}
    with open(DATA / "municipality_aliases.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            aliases.setdefault(row["number"], []).append((row["alias"], row["kind"]))
    out = []
    with open(DATA / "municipalities_2020.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.append(Municipality(
                number=row["number"],
                name=re.sub(r"\s*\([^)]*\)$", "", row["name"]),
                display_name=row["name"],
                county=row["county"],
                population=int(row["population_2020"]),
                invited=row["invited"] == "true",
                language_form=row["language_form"],
                aliases=tuple(aliases.get(row["number"], ())),
            ))
    return tuple(out)


@pytest.fixture(scope="session")
def registry() -> tuple[Municipality, ...]:
    return load_registry()


@pytest.fixture(scope="session")
def index(registry) -> NameIndex:
    return NameIndex(registry)
