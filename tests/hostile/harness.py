"""Run one message through the real intake in a child process, and measure it.

The child is the CLI (``poll --once`` on a maildir inbox and a SQLite file: what the
worker does for one message) under ``tests/hostile/measured.py``, which reports the
child's own peak RSS; its CPU time comes from ``os.wait4`` for that one child
(``RUSAGE_CHILDREN`` would mix every child the test process ever had).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEASURED = Path(__file__).with_name("measured.py")


@dataclass(frozen=True)
class Run:
    code: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    out: str
    err: str


def cli(config: Path, *args: str, timeout: float = 600) -> Run:
    """``akson-intake --config CONFIG ARGS`` as a child; its own wall time and peak RSS."""
    out_path, err_path = config.parent / "child.out", config.parent / "child.err"
    peak_path = config.parent / "child.peak"
    peak_path.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AKSON_PEAK_RSS_FILE": str(peak_path)}
    began = time.perf_counter()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(MEASURED), "--config", str(config), *args],
                                stdout=out, stderr=err, cwd=ROOT, env=env)
        deadline = began + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)   # reaped here, not by Popen
    peak_kb = int(peak_path.read_text() or 0) if peak_path.exists() else 0
    return Run(proc.returncode, time.perf_counter() - began, peak_kb / 1024,
               usage.ru_utime + usage.ru_stime, out_path.read_text(errors="replace"),
               err_path.read_text(errors="replace"))


def make_maildir(path: Path) -> Path:
    for sub in ("new", "cur", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def deliver(inbox: Path, name: str, raw: bytes) -> None:
    """Write as a delivery agent does: into tmp/, then renamed into new/."""
    tmp = inbox / "tmp" / name
    tmp.write_bytes(raw)
    tmp.rename(inbox / "new" / name)


def stored_raw(db_path: Path, raw: bytes) -> bytes | None:
    """The bytes the database keeps under ``raw``'s sha256, read back with sqlite3."""
    import sqlite3
    digest = hashlib.sha256(raw).hexdigest()
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("SELECT data FROM raw_message WHERE sha256 = ?", (digest,)).fetchone()
    return bytes(row[0]) if row else None


def submissions(config: Path) -> list[dict]:
    run = cli(config, "export", "submissions", "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)
