"""The benchmark runs: `python -m bench --quick` on tiny sizes prints every row of the
table and writes the same rows as JSON. No timing is asserted: figures belong to
`make bench`, not to the test suite."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.fixtures.dovecot import _require_binaries
from tests.helpers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.dovecot, pytest.mark.postgres]

EXPECTED = ["naive baseline", "floor", "Dovecot -> sqlite, 1 worker", "Dovecot -> postgresql, 2 worker",
            "idle poll", "arrival to acknowledgement", "peak RSS, poll --once of a 40 MB attachment",
            "peak RSS, poll --once of a 10,000-page PDF"]


def test_quick_bench_prints_the_table_and_writes_json(tmp_path, pg_database):
    _require_binaries()   # pg_database and this: skip here, fail in CI, when a service is missing
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("machine: ") and "nproc" in done.stdout and "load average" in done.stdout
    for fragment in EXPECTED:
        assert fragment in done.stdout, (fragment, done.stdout)
    (result,) = tmp_path.glob("bench-*.json")
    rows = json.loads(result.read_text())["rows"]
    assert len(rows) == len(done.stdout.strip().splitlines()) - 1
    assert all(r["value"] > 0 for r in rows), rows
