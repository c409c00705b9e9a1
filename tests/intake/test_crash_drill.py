"""Crash drill: the worker is SIGKILLed again and again and nothing is lost or sent twice.

GIVEN 300 messages in a private Dovecot (280 text-PDF declarations from the sample
factory, 20 review items), an SMTP sink, a database (SQLite; PostgreSQL as well), and
short leases set through the config (`worker.processing_lease_seconds`,
`outbox.stale_after_seconds`) so that a dead worker's claims free up in seconds,
WHEN `akson-intake run` is started, SIGKILLed at seeded random moments (while it
stores, while it processes, and inside the SMTP window: after the server accepted a mail
and before the worker recorded it) at least 10 times, and restarted each time,
THEN after every kill, no message was moved out of the INBOX or flagged unless its raw
bytes are in the database; at the end every message has exactly one submission, every
outbox mail reached the sink once, or twice with the same Message-ID and the same bytes
where a kill fell inside the SMTP window (counted and printed, never more than those
kills), every accepted submission has exactly one acknowledgement, and the database
passes its integrity checks.
"""
from __future__ import annotations

import hashlib
import random
import time
from collections import Counter

import pytest

from tests.fixtures.dovecot import dovecot, dovecot_factory  # noqa: F401
from tests.fixtures.smtp import smtp_sink, smtp_sink_factory  # noqa: F401
from tests.fixtures.worker import (Database, WorkerProcess, acks_by_request, append_all,  # noqa: F401
                                   campaign_setup, declarations, message_id, pg_schema_url,
                                   review_items, wait_until)

pytestmark = [pytest.mark.drill, pytest.mark.dovecot, pytest.mark.slow]

SEED = 20200701
DECLARATIONS, REVIEW = 280, 20
TOTAL = DECLARATIONS + REVIEW
# (phase, how many kills): stores while it polls, decisions while it processes,
# mails while it sends (inside the SMTP window).
PLAN = (("store", 2), ("process", 5), ("send", 5))
# Short enough that a restarted worker picks up a dead one's work at once, long enough
# for one message's analysis or one SMTP conversation on a loaded machine.
LEASE_S = 4
PHASE_TIMEOUT_S = 240
FINISH_TIMEOUT_S = 300


def _mailbox_snapshot(server) -> dict[str, dict]:
    """sha256 -> (folder, flags) of every message the server holds."""
    found = {}
    with server.client() as client:
        for folder in ("INBOX", "Processed"):
            if not client.folder_exists(folder):
                continue
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            for start in range(0, len(uids), 100):
                for data in client.fetch(uids[start:start + 100], [b"BODY.PEEK[]", b"FLAGS"]).values():
                    digest = hashlib.sha256(bytes(data[b"BODY[]"])).hexdigest()
                    flags = {f.decode() for f in data[b"FLAGS"] if f != b"\\Recent"}
                    found[digest] = {"folder": folder, "flags": flags}
    return found


def _check_mailbox_against_ledger(server, db: Database, total: int) -> None:
    """Nothing moved or flagged on the server before its raw bytes were committed."""
    snapshot = _mailbox_snapshot(server)
    assert len(snapshot) == total, f"the server holds {len(snapshot)} of {total} messages"
    stored = {row[0].strip() for row in db.rows("SELECT sha256 FROM raw_message")}
    for digest, where in snapshot.items():
        if where["folder"] == "Processed" or where["flags"]:
            assert digest in stored, f"message {digest[:12]} was {where} before its bytes were stored"


class KillSwitch:
    """Arms one SIGKILL for the worker: at a database count, or inside the SMTP window."""

    def __init__(self, sink) -> None:
        self.sink = sink
        self.worker: WorkerProcess | None = None
        self.fired = False
        sink.after_store = self._in_smtp_window
        self.sink_target: int | None = None

    def _in_smtp_window(self, _received) -> None:
        # Runs in the SMTP server after the mail is stored and before the 250 reply: the
        # worker dies between the server's acceptance and its own commit.
        if self.sink_target is not None and len(self.sink.messages) >= self.sink_target and self.worker:
            self.sink_target = None
            self.worker.kill()
            self.fired = True


def _kill_in_phase(phase: str, rng: random.Random, worker: WorkerProcess, db: Database,
                   switch: KillSwitch) -> str:
    """Kill ``worker`` at a random point of ``phase``; returns what it was doing."""
    before = db.progress()
    if phase == "send":
        switch.worker, switch.fired = worker, False
        switch.sink_target = len(switch.sink.messages) + rng.randint(1, 25)
        wait_until(lambda: switch.fired or not worker.alive(), PHASE_TIMEOUT_S,
                   lambda: f"no kill in the SMTP window: {db.progress()}\n{worker.log_text()[-2000:]}")
        return f"send (sink at {len(switch.sink.messages)})"
    column = "raw" if phase == "store" else "processed"
    target = min(TOTAL, before[column] + rng.randint(1, 40))
    wait_until(lambda: db.progress()[column] >= target or not worker.alive(), PHASE_TIMEOUT_S,
               lambda: f"{column} never reached {target}: {db.progress()}\n{worker.log_text()[-2000:]}",
               every=0.02)
    worker.kill()
    return f"{phase} ({column} {db.progress()[column]})"


def _drill(tmp_path, server, sink, db_url: str) -> dict:
    began = time.monotonic()
    setup = campaign_setup(
        tmp_path, mailbox_url=server.url(), db_url=db_url, smtp_url=sink.url,
        username=server.username, password=server.password,
        extra={"worker": {"processing_lease_seconds": LEASE_S},
               "outbox": {"stale_after_seconds": LEASE_S, "send_interval_seconds": 2}})
    rng = random.Random(SEED)
    raws = declarations(setup, DECLARATIONS) + review_items(setup, REVIEW)
    rng.shuffle(raws)
    append_all(server, raws)
    db = Database(setup.db_url)
    switch = KillSwitch(sink)
    kills: list[str] = []
    log = tmp_path / "worker.log"
    try:
        for phase, count in PLAN:
            for _ in range(count):
                worker = WorkerProcess(setup.config, log).start()
                kills.append(_kill_in_phase(phase, rng, worker, db, switch))
                assert worker.wait_dead(30) is not None, "a SIGKILLed worker must die"
                _check_mailbox_against_ledger(server, db, TOTAL)
        switch.sink_target = None
        worker = WorkerProcess(setup.config, log).start()
        wait_until(lambda: _finished(db), FINISH_TIMEOUT_S,
                   lambda: f"not finished: {db.progress()}\n{worker.log_text()[-3000:]}", every=0.5)
        assert worker.stop() == 0
        return _verify(server, sink, db, setup, raws, kills, began)
    finally:
        db.close()


def _finished(db: Database) -> bool:
    p = db.progress()
    return p["processed"] == TOTAL and p["unsent"] == 0 and p["outbox"] > 0


def _verify(server, sink, db: Database, setup, raws, kills, began) -> dict:
    _check_mailbox_against_ledger(server, db, TOTAL)
    assert server.message_count("INBOX") == 0 and server.message_count("Processed") == TOTAL
    assert db.count("raw_message") == TOTAL
    per_raw = Counter(r[0] for r in db.rows("SELECT raw_message_id FROM submission"))
    assert len(per_raw) == TOTAL and set(per_raw.values()) == {1}, "every message exactly one submission"
    ids = {r[0] for r in db.rows("SELECT message_id FROM submission")}
    assert ids == {message_id(raw) for raw in raws}
    outbox = db.rows("SELECT message_id, state FROM outbox_mail")
    assert {state for _, state in outbox} == {"sent"}, Counter(state for _, state in outbox)
    received = Counter(m.message["Message-ID"].strip() for m in sink.messages)
    copies = {mid: received[mid] for mid, _ in outbox}
    assert all(n >= 1 for n in copies.values()), "every outbox mail reached the sink"
    assert set(received) == set(copies), "the sink got nothing the outbox does not hold"
    duplicates = sum(n - 1 for n in copies.values())
    smtp_window_kills = sum(k.startswith("send") for k in kills)
    assert duplicates <= smtp_window_kills, f"{duplicates} duplicates, {smtp_window_kills} kills could cause them"
    by_id: dict[str, set[bytes]] = {}
    for m in sink.messages:
        by_id.setdefault(m.message["Message-ID"].strip(), set()).add(m.raw)
    assert all(len(copies) == 1 for copies in by_id.values()), "a duplicate is the very same mail"
    _one_ack_per_accepted(db, sink)
    _integrity(db)
    return {"kills": kills, "duplicates": duplicates, "seconds": time.monotonic() - began,
            "mails": len(outbox), "received": len(sink.messages)}


def _one_ack_per_accepted(db: Database, sink) -> None:
    accepted = [r[0].strip() for r in db.rows("SELECT message_id FROM submission WHERE status = 'accepted'")]
    assert len(accepted) >= DECLARATIONS * 0.9, f"only {len(accepted)} accepted of {DECLARATIONS} declarations"
    answered = acks_by_request(sink)
    missing = [mid for mid in accepted if answered[mid] != 1]
    assert not missing, f"{len(missing)} accepted submissions without exactly one acknowledgement: {missing[:3]}"


def _integrity(db: Database) -> None:
    if db.engine.dialect.name == "sqlite":
        assert db.scalar("PRAGMA integrity_check") == "ok"
        assert db.rows("PRAGMA foreign_key_check") == []
        return
    orphans = db.scalar("SELECT count(*) FROM submission s LEFT JOIN raw_message r ON r.id = s.raw_message_id "
                        "WHERE r.id IS NULL")
    assert orphans == 0


def _report(backend: str, result: dict) -> None:
    print(f"\ncrash drill ({backend}): {len(result['kills'])} kills, {result['duplicates']} duplicate(s) "
          f"with the same Message-ID, {result['mails']} mails queued, {result['received']} received, "
          f"{result['seconds']:.0f} s")
    for n, kill in enumerate(result["kills"], 1):
        print(f"  kill {n:2d}: {kill}")


def test_crash_drill_sqlite(tmp_path, dovecot, smtp_sink):
    result = _drill(tmp_path, dovecot, smtp_sink, f"sqlite:///{tmp_path / 'akson.db'}")
    _report("sqlite", result)
    assert len(result["kills"]) >= 10


@pytest.mark.postgres
def test_crash_drill_postgresql(tmp_path, dovecot, smtp_sink, pg_schema_url):
    result = _drill(tmp_path, dovecot, smtp_sink, pg_schema_url)
    _report("postgresql", result)
    assert len(result["kills"]) >= 10
