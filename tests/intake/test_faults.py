"""Faults the worker must ride out: each provoked for real while `akson-intake run` works.

For every fault: the worker logs it, waits longer before the next try (the back-off
line), keeps running, and once the fault clears catches up with nothing lost: every
message one submission, every acknowledgement delivered (a mail the server refused for
good is recorded as failed with the server's reply, never dropped silently).

- Dovecot stopped in the middle of a poll, then started again on the same port;
- the SMTP server refusing connections, then answering 421 and 451, then 550;
- the SQLite database on a full disk (a small tmpfs mounted by the test; needs root);
- PostgreSQL connections of the worker terminated mid-transaction with
  ``pg_terminate_backend`` from an admin connection (the shared server keeps running).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import random
import subprocess
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.fixtures.dovecot import dovecot, dovecot_factory  # noqa: F401
from tests.fixtures.smtp import smtp_sink, smtp_sink_factory  # noqa: F401
from tests.fixtures.worker import (Database, WorkerProcess, acks_by_request, append_all,  # noqa: F401
                                   campaign_setup, declarations, message_id, pg_schema_url, wait_until)

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]

CATCH_UP_S = 180
BACKOFF_LINE = "failure 1 in a row, next attempt after"
FAST = {"worker": {"retry_first_seconds": 1, "processing_lease_seconds": 4},
        "outbox": {"retry_base_seconds": 1, "send_interval_seconds": 1, "stale_after_seconds": 4}}


def _setup(tmp_path, server, sink, db_url: str, extra: dict | None = None):
    sections = {k: dict(v) for k, v in FAST.items()}
    for section, values in (extra or {}).items():
        sections.setdefault(section, {}).update(values)
    return campaign_setup(tmp_path, mailbox_url=server.url(), db_url=db_url, smtp_url=sink.url,
                          username=server.username, password=server.password, extra=sections)


def _caught_up(db: Database, total: int) -> bool:
    p = db.progress()
    return p["processed"] == total and p["outbox"] == total and p["unsent"] == 0


def _assert_nothing_lost(server, sink, db: Database, raws, *, failed: int = 0, duplicates_at_most: int = 0) -> None:
    assert server.message_count("INBOX") == 0 and server.message_count("Processed") == len(raws)
    ids = [r[0] for r in db.rows("SELECT message_id FROM submission")]
    assert sorted(ids) == sorted(message_id(raw) for raw in raws), "every message exactly one submission"
    answered = acks_by_request(sink)
    delivered = [mid for mid in ids if answered[mid] == 1]
    assert len(delivered) == len(raws) - failed and all(answered[mid] <= 1 for mid in ids)
    extra_copies = len(sink.messages) - len({m.message["Message-ID"] for m in sink.messages})
    assert extra_copies <= duplicates_at_most


def test_dovecot_stopped_mid_poll_and_restarted(tmp_path, dovecot, smtp_sink):
    setup = _setup(tmp_path, dovecot, smtp_sink, f"sqlite:///{tmp_path / 'akson.db'}")
    raws = declarations(setup, 150)
    append_all(dovecot, raws)
    db = Database(setup.db_url)
    worker = WorkerProcess(setup.config, tmp_path / "worker.log").start()
    try:
        wait_until(lambda: db.progress()["raw"] >= 10, 120, "the poll never started", every=0.01)
        dovecot.stop()
        stored = db.progress()["raw"]
        assert stored < len(raws), "the server went away in the middle of the poll"
        worker.wait_for_log(BACKOFF_LINE, 60)
        assert worker.alive()
        dovecot.start()
        wait_until(lambda: _caught_up(db, len(raws)), CATCH_UP_S,
                   lambda: f"no catch-up: {db.progress()}\n{worker.log_text()[-3000:]}", every=0.5)
        log = worker.log_text()
        assert "poll failed" in log and "working again" in log
        print(f"\nDovecot stopped after {stored} of {len(raws)} stored; all {len(raws)} processed "
              f"and acknowledged after the restart")
        assert worker.stop() == 0
        _assert_nothing_lost(dovecot, smtp_sink, db, raws)
    finally:
        worker.ensure_stopped()
        db.close()


def test_smtp_refusing_then_4xx_then_550(tmp_path, dovecot, smtp_sink):
    setup = _setup(tmp_path, dovecot, smtp_sink, f"sqlite:///{tmp_path / 'akson.db'}")
    raws = declarations(setup, 8)
    smtp_sink.stop()   # connection refused from the start
    append_all(dovecot, raws)
    db = Database(setup.db_url)
    worker = WorkerProcess(setup.config, tmp_path / "worker.log").start()
    try:
        wait_until(lambda: db.progress()["outbox"] == len(raws), 120, lambda: worker.log_text()[-3000:])
        worker.wait_for_log(BACKOFF_LINE, 60)
        assert worker.alive() and db.progress()["sent"] == 0
        # Back, but temporarily unwilling for two mails, then one refused for good.
        smtp_sink.script(["421 4.3.2 Service shutting down", "451 4.3.0 Try again later",
                          "550 5.7.1 Message rejected by policy"])
        smtp_sink.start()
        wait_until(lambda: db.count("outbox_mail", "state IN ('sent', 'failed')") == len(raws), CATCH_UP_S,
                   lambda: f"no catch-up: {db.progress()}\n{worker.log_text()[-3000:]}", every=0.5)
        failed = db.rows("SELECT smtp_reply, last_error FROM outbox_mail WHERE state = 'failed'")
        assert len(failed) == 1 and "550" in f"{failed[0][0]} {failed[0][1]}"
        retried = db.count("outbox_mail", "state = 'sent' AND attempts >= 2")
        assert retried >= 2, "the 421 and the 451 were tried again"
        log = worker.log_text()
        assert "send failed" in log or "send: failure" in log
        assert "mail retry" in log and "mail failed" in log
        print(f"\nSMTP: refused, then 421/451 ({retried} mails retried and sent), then 550 "
              f"(1 mail failed, reply kept: {failed[0][0]!r})")
        assert worker.stop() == 0
        _assert_nothing_lost(dovecot, smtp_sink, db, raws, failed=1)
    finally:
        worker.ensure_stopped()
        db.close()


@contextlib.contextmanager
def _small_disk(path, size: str):
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # A container without CAP_SYS_ADMIN cannot mount; a full disk cannot be had for
        # real without it, and a fake one would prove nothing about SQLite.
        reason = f"cannot mount a tmpfs to fill ({done.stderr.strip()}); run as root"
        if os.environ.get("CI") or os.environ.get("AKSON_REQUIRE_SERVICES"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _fill(path) -> int:
    """Write until the filesystem says ENOSPC; the bytes written."""
    written = 0
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
                written += 65536
        except OSError as err:
            assert err.errno == errno.ENOSPC, err
    return written


def test_sqlite_on_a_full_disk(tmp_path, dovecot, smtp_sink):
    with _small_disk(tmp_path / "disk", "16m") as disk:
        setup = _setup(tmp_path, dovecot, smtp_sink, f"sqlite:///{disk / 'akson.db'}")
        raws = declarations(setup, 20)
        db = Database(setup.db_url)
        db.progress()   # the reader's WAL index exists before the disk is full
        filler = disk / "filler"
        _fill(filler)
        append_all(dovecot, raws)
        worker = WorkerProcess(setup.config, tmp_path / "worker.log").start()
        try:
            worker.wait_for_log("disk is full", 120)
            worker.wait_for_log(BACKOFF_LINE, 60)
            time.sleep(2)
            assert worker.alive()
            flags = dovecot.flags_of_all("INBOX")
            assert len(flags) == len(raws) and not any(flags.values()), "nothing moved or flagged"
            filler.unlink()
            wait_until(lambda: _caught_up(db, len(raws)), CATCH_UP_S,
                       lambda: f"no catch-up: {db.progress()}\n{worker.log_text()[-3000:]}", every=0.5)
            assert worker.stop() == 0
            _assert_nothing_lost(dovecot, smtp_sink, db, raws)
            assert db.scalar("PRAGMA integrity_check") == "ok"
            print(f"\nfull disk: {len(raws)} messages waited unmoved in the INBOX, all stored, "
                  "processed and acknowledged once space was freed")
        finally:
            worker.ensure_stopped()
            db.close()


@pytest.mark.postgres
def test_postgresql_connections_killed_mid_transaction(tmp_path, dovecot, smtp_sink, pg_schema_url):
    app_name = f"akson-fault-{uuid.uuid4().hex[:8]}"
    db_url = pg_schema_url + f"&application_name={app_name}"
    setup = _setup(tmp_path, dovecot, smtp_sink, db_url)
    raws = declarations(setup, 60)
    append_all(dovecot, raws)
    db = Database(pg_schema_url)
    admin = create_engine(pg_schema_url, isolation_level="AUTOCOMMIT")
    worker = WorkerProcess(setup.config, tmp_path / "worker.log").start()
    rng = random.Random(6)
    killed = 0
    try:
        wait_until(lambda: db.progress()["raw"] >= 5, 120, "the poll never started", every=0.05)
        for _ in range(8):
            killed += _terminate_in_transaction(admin, app_name, timeout=20)
            time.sleep(rng.uniform(0.2, 1.5))
        assert killed >= 5, f"only {killed} connections were caught inside a transaction"
        wait_until(lambda: _caught_up(db, len(raws)), CATCH_UP_S,
                   lambda: f"no catch-up: {db.progress()}\n{worker.log_text()[-3000:]}", every=0.5)
        log = worker.log_text()
        assert "terminating connection due to administrator command" in log
        assert worker.alive()
        assert worker.stop() == 0
        # A connection lost after the SMTP server accepted a mail leaves it 'sending': sent
        # again with the same Message-ID (one extra copy per such kill at most).
        _assert_nothing_lost(dovecot, smtp_sink, db, raws, duplicates_at_most=killed)
        print(f"\nPostgreSQL: {killed} worker connections terminated inside a transaction; "
              f"all {len(raws)} messages processed and acknowledged")
    finally:
        worker.ensure_stopped()
        db.close()
        admin.dispose()


def _terminate_in_transaction(admin, app_name: str, timeout: float) -> int:
    """Terminate the worker's backends that are inside a transaction right now."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with admin.connect() as conn:
            pids = conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE application_name = :name "
                "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"), {"name": app_name}).scalars().all()
            done = sum(bool(conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar())
                       for pid in pids)
        if done:
            return done
        time.sleep(0.01)
    return 0


def test_a_move_lost_with_the_server_is_finished_by_the_next_poll(tmp_path, dovecot):
    """GIVEN three messages and a processed folder, WHEN Dovecot goes down just as the
    second one (already stored) is being moved, THEN that poll fails, the message stays
    in the INBOX, and the next poll after the restart moves it without storing it again."""
    from intake import poller
    from intake.mailbox import MailboxUnavailable, open_mailbox
    from storage.db import make_engine, make_session_factory
    from storage.schema import upgrade

    url = f"sqlite:///{tmp_path / 'akson.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    raws = declarations(campaign_setup(tmp_path, mailbox_url=dovecot.url(), db_url=url, smtp_url="smtp://127.0.0.1:1"), 3)
    append_all(dovecot, raws)

    class ServerDiesDuringMove:
        def __init__(self, box):
            self.box, self.key, self.moves = box, box.key, 0

        def __enter__(self):
            self.box.__enter__()
            return self

        def __exit__(self, *exc):
            self.box.__exit__(*exc)

        def __getattr__(self, name):
            return getattr(self.box, name)

        def done(self, key):
            self.moves += 1
            if self.moves == 2:
                dovecot.stop()   # the real server goes away with the MOVE unsent
            self.box.done(key)

    def adapter():
        return open_mailbox(dovecot.url(), username=dovecot.username, password=dovecot.password,
                            processed_folder="Processed", retries=0, sleep=lambda _s: None)

    now = lambda: dt.datetime.now(dt.timezone.utc)  # noqa: E731
    try:
        with pytest.raises(MailboxUnavailable):
            poller.poll(ServerDiesDuringMove(adapter()), sessions, now=now)
        dovecot.start()
        assert dovecot.message_count("INBOX") == 2 and dovecot.message_count("Processed") == 1
        again = poller.poll(adapter(), sessions, now=now)
        assert (again.stored, again.duplicates) == (1, 0), "the second message was not stored twice"
        assert dovecot.message_count("INBOX") == 0 and dovecot.message_count("Processed") == 3
        with sessions() as s:
            assert s.scalar(text("SELECT count(*) FROM raw_message")) == 3
    finally:
        engine.dispose()
