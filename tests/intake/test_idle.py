"""Push delivery: IMAP IDLE wakes the worker, so a declaration is acknowledged in seconds.

GIVEN a worker (`akson-intake run`) whose poll timer is an hour, against a Dovecot that
offers IDLE, with IDLE re-issued every few seconds,
WHEN a declaration is appended to the INBOX after several re-IDLE rounds,
THEN its acknowledgement reaches the SMTP sink within seconds (the figure is printed; the
assertion is only "long before the poll timer"), and SIGTERM while idling stops the
worker cleanly with status 0. A server without IDLE is polled on the timer instead.
"""
from __future__ import annotations

import email
import email.policy
import time

import pytest

from tests.fixtures.dovecot import dovecot, dovecot_factory  # noqa: F401
from tests.fixtures.smtp import smtp_sink, smtp_sink_factory  # noqa: F401
from tests.fixtures.worker import WorkerProcess, campaign_setup, declarations, wait_until

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]

POLL_TIMER_S = 3600        # the worker would not poll on its own during the test
IDLE_TIMEOUT_S = 3         # re-IDLE often, so the test sees several rounds
# Far below the poll timer; the figure itself is measured by bench/, not asserted here.
PUSH_BOUND_S = 60


def _message_id(raw: bytes) -> str:
    return email.message_from_bytes(raw, policy=email.policy.compat32)["Message-ID"].strip()


def _acks_for(sink, message_id: str) -> list:
    return [m for m in sink.messages if (m.message["In-Reply-To"] or "").strip() == message_id]


def _setup(tmp_path, server, sink, *, idle: bool, poll_s: int):
    return campaign_setup(
        tmp_path, mailbox_url=server.url(), db_url=f"sqlite:///{tmp_path / 'akson.db'}", smtp_url=sink.url,
        username=server.username, password=server.password,
        extra={"mailbox": {"poll_interval_seconds": poll_s, "idle": idle, "idle_timeout_seconds": IDLE_TIMEOUT_S},
               "outbox": {"send_interval_seconds": 3600}})


def test_a_declaration_is_acknowledged_within_seconds_of_arriving(tmp_path, dovecot, smtp_sink):
    setup = _setup(tmp_path, dovecot, smtp_sink, idle=True, poll_s=POLL_TIMER_S)
    first, second = declarations(setup, 2)
    worker = WorkerProcess(setup.config, tmp_path / "worker.log").start()
    try:
        worker.wait_for_log("with IDLE")
        # The first poll (at start) finds nothing; wait past a couple of re-IDLE rounds.
        time.sleep(2 * IDLE_TIMEOUT_S + 1)
        latencies = []
        for raw in (first, second):
            arrived = time.monotonic()
            dovecot.append(raw)
            took = wait_until(lambda: _acks_for(smtp_sink, _message_id(raw)), PUSH_BOUND_S,
                              lambda: f"no acknowledgement within {PUSH_BOUND_S} s:\n{worker.log_text()[-3000:]}")
            latencies.append(time.monotonic() - arrived)
            time.sleep(IDLE_TIMEOUT_S + 1)   # the next one arrives after another re-IDLE
        print(f"IDLE arrival-to-acknowledgement: {', '.join(f'{s:.2f} s' for s in latencies)}")
        assert all(len(_acks_for(smtp_sink, _message_id(raw))) == 1 for raw in (first, second))
        began = time.monotonic()
        assert worker.stop(timeout=30) == 0
        print(f"stopped {time.monotonic() - began:.2f} s after SIGTERM while idling")
        assert "worker stopped" in worker.log_text()
        assert "Traceback" not in worker.log_text()
    finally:
        worker.ensure_stopped()


def test_without_idle_the_timer_still_polls(tmp_path, dovecot_factory, smtp_sink):
    server = dovecot_factory(capability="IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE "
                                        "SORT THREAD=REFERENCES MULTIAPPEND UIDPLUS LIST-EXTENDED MOVE")
    setup = _setup(tmp_path, server, smtp_sink, idle=True, poll_s=5)
    (raw,) = declarations(setup, 1)
    worker = WorkerProcess(setup.config, tmp_path / "worker.log").start()
    try:
        worker.wait_for_log("offers no IDLE: polling only")
        server.append(raw)
        wait_until(lambda: _acks_for(smtp_sink, _message_id(raw)), 60,
                   lambda: f"no acknowledgement by polling:\n{worker.log_text()[-3000:]}")
        assert worker.stop(timeout=30) == 0
    finally:
        worker.ensure_stopped()
