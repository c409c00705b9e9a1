"""Malformed and malicious submissions through the real intake, one child process each.

GIVEN a maildir inbox and a SQLite database,
WHEN a hostile message (a corpus case built at run time) arrives and `poll --once` runs,
THEN the child exits normally within the safety bounds, the message becomes a submission
in the review queue with a reason, and the database keeps its raw bytes unchanged.

The bounds below are a safety net against a runaway parser, not the performance figures:
those are measured by `make bench` (bench/memory.py) and printed for each case here.
"""
from __future__ import annotations

from email.parser import BytesHeaderParser

import pytest

from parsers.headers import header_msg_id
from tests.helpers import make_config
from tests.hostile import corpus
from tests.hostile.harness import cli, deliver, make_maildir, stored_raw, submissions

pytestmark = pytest.mark.slow

MAX_SECONDS = 60      # a single message; the largest case takes under 20 s here
# Well above what any case needs (the 40 MB attachment peaks near 400 MB, the rest under
# 100 MB): a net for a runaway parser, not the target, which the benchmark reports.
MAX_RSS_MB = 600


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    inbox = make_maildir(tmp / "inbox")
    config = make_config(tmp, inbox=inbox)
    assert cli(config, "db", "upgrade").code == 0
    return config, inbox, tmp / "akson.db"


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_hostile_message_goes_to_review_with_its_raw_bytes_kept(intake, case):
    config, inbox, db_path = intake
    raw = case.build()
    deliver(inbox, f"{case.name}.eml", raw)

    run = cli(config, "poll", "--once", timeout=MAX_SECONDS * 3)
    print(f"{case.name}: {len(raw) / 1e6:.2f} MB message, {run.seconds:.2f} s wall, "
          f"{run.cpu_seconds:.2f} s CPU, peak RSS {run.peak_rss_mb:.0f} MB")

    assert "Traceback" not in run.err, run.err
    assert run.code == 0, run.err
    assert "processed 1 " in run.out, run.out
    assert run.seconds < MAX_SECONDS
    assert run.peak_rss_mb < MAX_RSS_MB
    assert stored_raw(db_path, raw) == raw
    found = [s for s in submissions(config) if s["message_id"] == message_id(raw)]
    assert len(found) == 1, found
    sub = found[0]
    assert sub["status"] == "needs_review"
    assert sub["reasons"], sub
    if case.reasons:
        assert case.reasons & set(sub["reasons"]), sub["reasons"]


def message_id(raw: bytes) -> str | None:
    return header_msg_id(BytesHeaderParser().parsebytes(raw[:4096])["Message-ID"])
