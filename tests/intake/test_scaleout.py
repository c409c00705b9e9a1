"""Scale-out on PostgreSQL: two and four workers share one mailbox and one database.

GIVEN one Dovecot INBOX, one PostgreSQL schema and an SMTP sink,
WHEN 2 (then 4) `akson-intake run` processes work a first batch of mail, and the one that
is polling the second batch is SIGKILLed in the middle of its poll,
THEN at no moment did two workers poll the mailbox (the advisory lock's taken..releasing
spans in all logs never overlap), another worker took the poll over within a bounded time
(printed), more than one worker processed messages (SKIP LOCKED shares the work), and
the end result equals a single worker's on the same messages: the same submissions with
the same decisions, and exactly one acknowledgement for each accepted one.
"""
from __future__ import annotations

import datetime as dt
import mailbox
import re

import pytest

from tests.fixtures.dovecot import dovecot, dovecot_factory  # noqa: F401
from tests.fixtures.smtp import smtp_sink, smtp_sink_factory  # noqa: F401
from tests.fixtures.worker import (Database, WorkerProcess, acks_by_request, append_all,  # noqa: F401
                                   campaign_setup, declarations, pg_schema_url, review_items, wait_until)
from tests.helpers import cli_json, make_config, run_cli

pytestmark = [pytest.mark.dovecot, pytest.mark.postgres, pytest.mark.slow]

FIRST, SECOND, REVIEW = 90, 60, 10
POLL_INTERVAL_S = 5
# The next poll tick of a surviving worker, plus start-up slack on a loaded machine.
TAKEOVER_BOUND_S = POLL_INTERVAL_S + 25
DONE_TIMEOUT_S = 300
_LOCK = re.compile(r"^(\S+ \S+) INFO akson\.poller poll lock on \S+ (taken|releasing) by pid (\d+)", re.M)
_DECIDED = re.compile(r"akson\.process submission \d+:")


def _spans(logs: list[str]) -> list[tuple[dt.datetime, dt.datetime | None, int]]:
    """(taken, releasing or None, pid) for every hold of the poll lock in all the logs."""
    spans = []
    for text in logs:
        open_: dict[int, dt.datetime] = {}
        for stamp, what, pid in _LOCK.findall(text):
            at = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
            if what == "taken":
                open_[int(pid)] = at
            elif int(pid) in open_:
                spans.append((open_.pop(int(pid)), at, int(pid)))
        spans += [(at, None, pid) for pid, at in open_.items()]
    return sorted(spans, key=lambda s: s[0])


def _assert_one_poller_at_a_time(spans, killed_pid: int, killed_at: dt.datetime) -> None:
    ends = [(start, end or (killed_at if pid == killed_pid else dt.datetime.max), pid) for start, end, pid in spans]
    for (s1, e1, p1), (s2, _e2, p2) in zip(ends, ends[1:]):
        assert s2 >= e1, f"pid {p2} took the poll lock at {s2} while pid {p1} held it ({s1}..{e1})"


def _decisions(rows) -> dict[str, tuple]:
    return {r["message_id"]: (r["status"], r["kind"], r["municipality_number"], tuple(r["reasons"]))
            for r in rows}


def _holder_now(workers: list[WorkerProcess]) -> WorkerProcess | None:
    for worker in workers:
        spans = _spans([worker.log_text()])
        if spans and spans[-1][1] is None and worker.alive():
            return worker
    return None


@pytest.mark.parametrize("count", [2, 4])
def test_workers_share_one_mailbox(tmp_path, dovecot, smtp_sink, pg_schema_url, count):
    setup = campaign_setup(
        tmp_path, mailbox_url=dovecot.url(), db_url=pg_schema_url, smtp_url=smtp_sink.url,
        username=dovecot.username, password=dovecot.password,
        extra={"mailbox": {"poll_interval_seconds": POLL_INTERVAL_S},
               "worker": {"processing_lease_seconds": 5}, "outbox": {"stale_after_seconds": 5}})
    raws = declarations(setup, FIRST + SECOND) + review_items(setup, REVIEW)
    first, second = raws[:FIRST] + raws[FIRST + SECOND:], raws[FIRST:FIRST + SECOND]
    reference = _reference(tmp_path, setup, raws)
    db = Database(pg_schema_url)
    append_all(dovecot, first)
    workers = [WorkerProcess(setup.config, tmp_path / f"worker{i}.log").start() for i in range(count)]
    try:
        wait_until(lambda: db.progress()["processed"] == len(first), DONE_TIMEOUT_S,
                   lambda: f"first batch not done: {db.progress()}")
        killed, killed_at, takeover = _kill_the_poller(dovecot, db, workers, second, len(first))
        total = len(raws)
        wait_until(lambda: (p := db.progress())["processed"] == total and p["unsent"] == 0
                   and p["outbox"] > 0, DONE_TIMEOUT_S, lambda: f"not done: {db.progress()}")
        for worker in workers:
            if worker is not killed:
                assert worker.stop() == 0
        logs = [w.log_text() for w in workers]
        _assert_one_poller_at_a_time(_spans(logs), killed.pid, killed_at)
        deciders = [len(_DECIDED.findall(text)) for text in logs]
        assert sum(deciders) >= total and sum(1 for n in deciders if n) >= 2, deciders
        result = _decisions(cli_json(setup.config, "export", "submissions"))
        assert result == reference, "the same decisions as a single worker"
        answered = acks_by_request(smtp_sink)
        accepted = [mid for mid, d in result.items() if d[0] == "accepted"]
        assert accepted and all(answered[mid] == 1 for mid in accepted)
        assert len(smtp_sink.messages) == len({m.message["Message-ID"] for m in smtp_sink.messages})
        print(f"\n{count} workers: {len(result)} submissions ({len(accepted)} accepted, each acknowledged once), "
              f"{len(smtp_sink.messages)} mails received; decisions per worker {deciders}; "
              f"poller pid {killed.pid} SIGKILLed mid-poll, lock taken over in {takeover:.2f} s")
    finally:
        for worker in workers:
            worker.ensure_stopped()
        db.close()


def _reference(tmp_path, setup, raws) -> dict[str, tuple]:
    """The single-worker result: the same messages through `poll --once` on SQLite."""
    single = tmp_path / "single"
    single.mkdir()
    inbox = mailbox.Maildir(str(single / "inbox"), create=True)
    for raw in raws:
        inbox.add(raw)
    config = make_config(single, inbox=single / "inbox", extra='authserv_id = "mx.dep.no"\n')
    assert run_cli(config, "db", "upgrade").code == 0
    contacts = single / "contacts.csv"
    contacts.write_text("number,email\n" + "".join(
        f"{m['number']},postmottak@{m['domain']}\n" for m in setup.municipalities), encoding="utf-8")
    assert run_cli(config, "municipalities", "import", str(contacts)).code == 0
    assert run_cli(config, "poll", "--once").code == 0
    return _decisions(cli_json(config, "export", "submissions"))


def _kill_the_poller(server, db: Database, workers, batch: list[bytes], before: int):
    """Deliver ``batch``; SIGKILL whoever polls it once it is storing; the takeover time."""
    append_all(server, batch)
    # The storing worker is found by its open lock span in its log; its log line and the
    # first stored row reach us in either order, so wait for both together.
    wait_until(lambda: db.progress()["raw"] > before and _holder_now(workers) is not None, 120,
               "nobody was seen polling the second batch", every=0.01)
    holder = _holder_now(workers)
    assert holder is not None, "a worker is storing, so one holds the poll lock"
    holder.kill()
    killed_at = dt.datetime.now()   # the clock of the workers' log lines
    assert holder.wait_dead(10) is not None
    stored = db.progress()["raw"]
    assert stored < before + len(batch), "killed in the middle of its poll"
    others = [w for w in workers if w is not holder]
    wait_until(lambda: any(start > killed_at for start, _end, _pid in _spans([w.log_text() for w in others])),
               TAKEOVER_BOUND_S, f"no worker took the poll lock over within {TAKEOVER_BOUND_S} s")
    taken = min(start for start, _e, _p in _spans([w.log_text() for w in others]) if start > killed_at)
    return holder, killed_at, (taken - killed_at).total_seconds()
