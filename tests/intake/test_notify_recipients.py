"""Who is copied on an acknowledgement of a forwarded answer (intake.notify)."""
from __future__ import annotations

import pytest

from intake.notify import _forwarded_colleagues
from storage.models import Submission

INNER = {"sender": {"forwarded_from": [
    {"address": "Liv.Pedersen@tvedestrand.kommune.no", "municipalities": ["4213"]}]}}


@pytest.mark.parametrize(
    ("status", "number", "expected"),
    [
        ("accepted", "4213", ["liv.pedersen@tvedestrand.kommune.no"]),
        # Staff put it on another municipality: the inner writer is not theirs to tell.
        ("accepted", "4201", []),
        # Nothing is acknowledged to colleagues before it counts.
        ("needs_review", "4213", []),
    ],
    ids=["accepted-same-municipality", "accepted-for-another", "in-review"],
)
def test_inner_writer_is_copied_only_for_their_own_accepted_answer(status, number, expected):
    sub = Submission(status=status, municipality_number=number, evidence=INNER)
    assert _forwarded_colleagues(sub) == expected
