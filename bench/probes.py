"""Idle poll time by mailbox size, arrival-to-acknowledgement latency, and peak RSS on
the heaviest hostile messages."""
from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

from intake.app import App
from intake.config import load_config
from intake.mailbox import open_mailbox
from intake.poller import poll
from storage import repo, schema
from storage.db import session_scope
from tests.fixtures.worker import WorkerProcess
from tests.hostile import corpus
from tests.hostile.harness import cli, deliver, make_maildir
from tests.helpers import make_config

NOW = dt.datetime(2020, 6, 2, 12, 0, tzinfo=dt.timezone.utc)
# Rows per transaction when filling the ledger of a large mailbox.
FILL_BATCH = 5000


def filler(i: int) -> bytes:
    return (f"From: postmottak@gran.kommune.no\r\nTo: akson@hod.dep.no\r\nSubject: filler {i}\r\n"
            f"Message-ID: <filler-{i}@bench>\r\nDate: Tue, 02 Jun 2020 10:00:00 +0200\r\n\r\n"
            f"Message {i}.\r\n").encode()


def prefill(sizes: list[int]):
    """Write each size's folder straight into Dovecot's maildir before it starts."""
    def write(maildir: Path) -> None:
        for size in sizes:
            folder = make_maildir(maildir / f".Idle{size}")
            for i in range(size):
                (folder / "cur" / f"1591000000.M{i}P1.bench:2,S").write_bytes(filler(i))
    return write


def _app(tmp: Path, server, folder: str) -> App:
    conf = tmp / f"idle-{folder}.toml"
    conf.write_text(f'[mailbox]\nurl = "{server.url(folder)}"\nusername = "{server.username}"\n'
                    f'password = "{server.password}"\n[database]\nurl = "sqlite:///{tmp / (folder + ".db")}"\n',
                    encoding="utf-8")
    app = App(load_config(str(conf)))
    schema.upgrade(app.config.database_url)
    return app


def idle_poll(tmp: Path, server, size: int, repeats: int) -> dict:
    """Median and max of idle polls on a folder of ``size`` messages, all in the ledger."""
    folder = f"Idle{size}"
    app = _app(tmp, server, folder)
    cfg = app.config
    with server.client() as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        uidvalidity = int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
    key = open_mailbox(cfg["mailbox.url"], username=server.username, password=server.password).key
    _fill_ledger(app, key, uidvalidity, uids)
    with session_scope(app.sessions) as s:
        repo.set_mailbox_state(s, key, uidvalidity, max(uids), NOW)
    times = []
    for attempt in range(repeats + 1):
        box = open_mailbox(cfg["mailbox.url"], username=server.username, password=server.password)
        began = time.perf_counter()
        stats = poll(box, app.sessions, now=app.clock())
        if attempt:                    # the first warms Dovecot's index
            times.append(time.perf_counter() - began)
        assert stats.stored == 0, "an idle poll must store nothing"
    app.close()
    return {"median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000, "messages": len(uids),
            "connect_ms": statistics.median(_connect_times(server, folder, repeats)) * 1000}


def _fill_ledger(app: App, key: str, uidvalidity: int, uids: list[int]) -> None:
    """Rows as polls and processing would have left them (raw message processed, ledger
    stored), inserted in bulk: storing 100,000 one by one takes most of an hour here."""
    import hashlib

    from sqlalchemy import insert, select

    from storage.models import MailboxLedger, RawMessage
    for start in range(0, len(uids), FILL_BATCH):
        batch = uids[start:start + FILL_BATCH]
        with session_scope(app.sessions) as s:
            s.execute(insert(RawMessage), [
                {"sha256": hashlib.sha256(filler(uid)).hexdigest(), "size": len(filler(uid)), "data": filler(uid),
                 "received_at": NOW, "first_seen_at": NOW, "state": "processed", "attempts": 1,
                 "processed_at": NOW} for uid in batch])
            ids = dict(s.execute(select(RawMessage.sha256, RawMessage.id).where(
                RawMessage.sha256.in_([hashlib.sha256(filler(uid)).hexdigest() for uid in batch]))).all())
            s.execute(insert(MailboxLedger), [
                {"mailbox": key, "uidvalidity": uidvalidity, "key": str(uid), "uid": uid, "status": "stored",
                 "raw_message_id": ids[hashlib.sha256(filler(uid)).hexdigest()], "created_at": NOW}
                for uid in batch])


def _connect_times(server, folder: str, repeats: int) -> list[float]:
    """A bare connect + login + SELECT + logout: the part of a poll the server decides."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        with server.client() as client:
            client.select_folder(folder, readonly=True)
        times.append(time.perf_counter() - began)
    return times


def latency(setup_, server, folder: str, raws: list[bytes], tmp: Path) -> dict:
    """Seconds from APPEND to the acknowledgement file in the outbox, one arrival at a time."""
    outbox = tmp / "outbox" / "new"
    worker = WorkerProcess(setup_.config, tmp / "latency-worker.log").start()
    try:
        _idle_logged(worker)          # started and waiting (or polling, when no IDLE)
        delays = []
        with server.client() as client:
            for raw in raws:
                before = _count(outbox)
                began = time.perf_counter()
                client.append(folder, raw)
                while _count(outbox) <= before:
                    if time.perf_counter() - began > 120:
                        raise RuntimeError(f"no acknowledgement after 120 s:\n{worker.log_text()[-2000:]}")
                    time.sleep(0.01)
                delays.append(time.perf_counter() - began)
    finally:
        worker.stop()
    delays.sort()
    return {"median_s": statistics.median(delays), "p95_s": delays[max(0, int(len(delays) * 0.95) - 1)],
            "idle": "IDLE" in worker.log_text(), "n": len(delays)}


def _idle_logged(worker) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if "IDLE" in worker.log_text() or "idle" in worker.log_text().lower():
            return True
        time.sleep(0.1)
    return False


def _count(path: Path) -> int:
    return len(list(path.iterdir())) if path.exists() else 0


def peak_rss(tmp: Path, name: str) -> dict:
    case = {c.name: c for c in corpus.CASES}[name]
    home = tmp / f"rss-{name}"
    inbox = make_maildir(home / "inbox")
    config = make_config(home, inbox=inbox)
    assert cli(config, "db", "upgrade").code == 0
    raw = case.build()
    deliver(inbox, f"{name}.eml", raw)
    run = cli(config, "poll", "--once")
    if run.code != 0:
        raise RuntimeError(run.err[-2000:])
    return {"peak_mb": run.peak_rss_mb, "seconds": run.seconds, "size_mb": len(raw) / 1e6}
