"""A fuzz run of the message parser and the whole analysis, seeded with real-shaped mail.

The seed corpus is made by the sample factory (declarations as PDF, Word and zip,
forwards, auto-replies); hypothesis mutates it (byte flips, cuts, splices, repeated
spans) with a fixed seed and a bounded number of examples, so CI runs the same inputs
every time. ``make fuzz`` runs the coverage-guided atheris target on the same corpus.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from hypothesis import given, strategies as st

from parsers.analyse import Analyser
from parsers.types import Status
from tests.hostile.seeds import seed_corpus
from tests.parsers.conftest import load_registry

RECEIVED = dt.datetime(2020, 6, 2, 10, 0, tzinfo=dt.timezone.utc)


@lru_cache(maxsize=1)
def analyser() -> Analyser:
    registry = load_registry()
    return Analyser(registry, invited=frozenset(m.number for m in registry if m.invited),
                    deadline=dt.datetime(2020, 7, 1, tzinfo=dt.timezone.utc))


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(seed_corpus())))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "splice", "repeat", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut":
            del data[at:at + draw(st.integers(1, 4096))]
        elif op == "splice":
            other = draw(st.sampled_from(seed_corpus()))
            start = draw(st.integers(0, max(len(other) - 1, 0)))
            data[at:at] = other[start:start + draw(st.integers(1, 2048))]
        elif op == "repeat":
            data[at:at] = bytes(data[at:at + draw(st.integers(1, 64))]) * draw(st.integers(2, 50))
        else:
            data[at:at] = draw(st.sampled_from([b"\r\n\r\n", b"--", b"=?utf-8?b?", b"\x00", b"%PDF-",
                                                b"PK\x03\x04", b"Content-Type: multipart/mixed\r\n"]))
    return bytes(data)


@given(mutated())
def test_analysis_of_mutated_mail_never_raises_and_explains_itself(raw):
    result = analyser().analyse(raw, received_at=RECEIVED)
    decision = result.decision
    if decision.status is not Status.ACCEPTED:
        assert decision.reasons or decision.status is Status.IGNORED, decision
    number = decision.municipality_number
    assert number is None or (len(number) == 4 and number.isdigit())
