"""The jobs of the service and the scheduler that runs them unattended.

Four jobs, each idempotent so any of them can run again after a crash or a restart:
poll (fetch new mail and store it raw), process (decide, and queue acknowledgements),
remind (queue the reminders due now) and send (deliver the outbox). ``run --once`` runs
them once in that order; ``run`` schedules them with APScheduler in a single worker
thread, so they never overlap each other and one SQLite file is enough. With IMAP IDLE
(``intake.idle``) a poll also runs as soon as the server announces mail, and a poll that
decided something has its mail sent right after it.

After downtime nothing is replayed by the scheduler (``coalesce``): the jobs themselves
look at the clock and the database, so a missed reminder step goes out once when the
worker is back, and mail that arrived meanwhile is simply new mail.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import random
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.exc import OperationalError

from intake.app import App, AppError
from intake.clock import wall_clock
from intake.config import ConfigError
from intake.idle import CHECK_SECONDS, IdleWatcher
from intake.mailbox.base import MailboxError
from intake.mailtemplates import MailTemplates
from intake.notify import MailSettings, Notifier
from intake.outmail import OutgoingMailError
from intake.reminders import ReminderRun, remind
from intake.sender import SendStats, send_due
from intake.transport import open_transport
from storage.db import session_scope
from storage.errors import StorageError

log = logging.getLogger("akson.worker")

_OPERATIONAL = (MailboxError, AppError, StorageError, ConfigError, OperationalError)

# The reminder plan is cheap to look at: check it often, so a 09:00 step goes at 09:00.
REMIND_INTERVAL_SECONDS = 60
# Mails per claim round; between rounds a stop request is honoured.
SEND_BATCH = 50
# An idling watcher notices the stop flag within CHECK_SECONDS, then logs out.
IDLE_STOP_SECONDS = CHECK_SECONDS + 10


def make_notifier(app: App) -> Notifier:
    cfg = app.config
    override = Path(cfg["outbox.template_dir"]) if cfg["outbox.template_dir"] else None
    if override is not None and not override.is_absolute():
        override = cfg.base_dir / override
    if override is not None and not override.is_dir():
        raise ConfigError("outbox.template_dir", f"not a folder: {override}")
    return Notifier(MailSettings.from_config(cfg), MailTemplates(timezone=cfg.tz, override_dir=override))


def open_configured_transport(app: App):
    cfg = app.config
    url = cfg["smtp.url"]
    if url.startswith("maildir://"):
        url = "maildir://" + str(cfg.local_path(url))
    try:
        return open_transport(url, username=cfg["smtp.username"], password=cfg.secret("smtp", "password"),
                              timeout=float(cfg["smtp.timeout_seconds"]))
    except ValueError as err:
        raise ConfigError("smtp.url", str(err)) from err


def send_once(app: App, clock: Callable, *, rng: random.Random | None = None,
              stop: threading.Event | None = None) -> SendStats:
    """Deliver everything due, in batches, checking ``stop`` between batches."""
    cfg = app.config
    rng = rng or random.Random()
    total = SendStats()
    with open_configured_transport(app) as transport:
        while True:
            try:
                stats = send_due(app.sessions, transport, now=clock, from_header=cfg["smtp.from"],
                                 rng=rng, batch=SEND_BATCH, max_attempts=cfg["outbox.max_attempts"],
                                 base_delay=_seconds(cfg["outbox.retry_base_seconds"]),
                                 stale_after=_seconds(cfg["outbox.stale_after_seconds"]))
            except OutgoingMailError as err:
                raise ConfigError("smtp.from", str(err)) from err
            total.add(stats)
            handled = stats.sent + stats.retried + stats.failed
            # A short batch means nothing more is due, or the server went away.
            if handled < SEND_BATCH or stats.retried or stats.internal or (stop is not None and stop.is_set()):
                return total


def remind_once(app: App, notifier: Notifier, now, *, dry_run: bool = False) -> ReminderRun:
    cfg = app.config
    campaign = app.campaign()
    with session_scope(app.sessions) as s:
        run = remind(s, notifier, invited=frozenset(campaign.invited),
                     days_before=cfg["reminders.days_before_deadline"],
                     send_time=cfg["reminders.send_time"], now=now, dry_run=dry_run)
        if dry_run:
            s.rollback()
    return run


@dataclass
class CycleResult:
    polled: object = None
    processed: object = None
    reminders: ReminderRun | None = None
    sent: SendStats | None = None
    errors: list[str] = field(default_factory=list)


def run_cycle(app: App, clock: Callable, *, poll_and_process, stop: threading.Event | None = None) -> CycleResult:
    """Every job once: poll and process, remind, send. A failing job does not stop the others."""
    result = CycleResult()
    notifier = make_notifier(app)
    try:
        result.polled, result.processed = poll_and_process(app, clock, notifier=notifier, stop=stop)
    except (MailboxError, AppError, StorageError, ConfigError) as err:
        # The mailbox may be down: still send what is queued and plan reminders.
        result.errors.append(f"poll: {err}")
        log.error("poll failed: %s", err)
    if stop is None or not stop.is_set():
        result.reminders = remind_once(app, notifier, clock())
    if stop is None or not stop.is_set():
        result.sent = send_once(app, clock, stop=stop)
    return result


def run_forever(app: App, *, poll_and_process) -> int:
    """The worker: runs until SIGTERM/SIGINT, then finishes the current message and exits 0."""
    return _Worker(app, poll_and_process).run()


class _Worker:
    """The scheduler, its three jobs, the IDLE watcher and the stop flag they share."""

    def __init__(self, app: App, poll_and_process) -> None:
        self.app = app
        self.cfg = app.config
        self.poll_and_process = poll_and_process
        self.stop = threading.Event()
        # Set by IDLE when mail is announced; a poll that is running then runs again after.
        self.wanted = threading.Event()
        # One worker thread: jobs queue behind each other instead of overlapping.
        self.scheduler = BlockingScheduler(timezone=self.cfg.tz, executors={"default": ThreadPoolExecutor(1)},
                                           job_defaults={"coalesce": True, "max_instances": 1,
                                                         "misfire_grace_time": None})
        self.notifier = make_notifier(app)
        self.clock = app.clock()

    def run(self) -> int:
        cfg = self.cfg
        self._add_jobs()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        # A tick that finds its job still running (a long poll) is skipped: by design, with
        # one worker thread, so APScheduler's warning about it is noise.
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        watcher = _start_idle(self.app, self.wake, self.stop)
        log.info("worker started (pid %s): poll every %ss%s, send every %ss, reminders every %ss", os.getpid(),
                 cfg["mailbox.poll_interval_seconds"], " and on IDLE" if watcher else "",
                 cfg["outbox.send_interval_seconds"], REMIND_INTERVAL_SECONDS)
        self.scheduler.start()
        # start() returns once shut down; wait for the running job to finish its message.
        executor = self.scheduler._lookup_executor("default")  # noqa: SLF001 - no public accessor in 3.x
        executor.shutdown(wait=True)
        if watcher is not None:
            watcher.join(timeout=IDLE_STOP_SECONDS)
        log.info("worker stopped")
        return 0

    def _add_jobs(self) -> None:
        cfg, app, now = self.cfg, self.app, _now(self.cfg)
        jobs = (("poll", self._poll, cfg["mailbox.poll_interval_seconds"]),
                ("remind", lambda: remind_once(app, self.notifier, self.clock()), REMIND_INTERVAL_SECONDS),
                ("send", lambda: send_once(app, self.clock, stop=self.stop), cfg["outbox.send_interval_seconds"]))
        for name, job, seconds in jobs:
            self.scheduler.add_job(self._guarded(name, job), "interval", seconds=seconds, id=name, name=name,
                                   next_run_time=now)

    def run_now(self, job_id: str) -> None:
        if not self.stop.is_set():
            self.scheduler.modify_job(job_id, next_run_time=_now(self.cfg))

    def wake(self) -> None:
        """IDLE saw new mail: poll now (or again right after the poll that is running)."""
        self.wanted.set()
        self.run_now("poll")

    def _poll(self):
        self.wanted.clear()
        polled, processed = self.poll_and_process(self.app, self.clock, notifier=self.notifier, stop=self.stop)
        if processed.processed:
            self.run_now("send")   # the acknowledgements just queued leave now, not at the next tick
        if self.wanted.is_set():
            self.run_now("poll")   # mail was announced while this poll ran
        return polled, processed

    def _guarded(self, name: str, job: Callable[[], object]) -> Callable[[], None]:
        """``job`` behind its own back-off gate; a failure is logged, never fatal."""
        gate = Backoff(name, first=_seconds(self.cfg["worker.retry_first_seconds"]))

        def run() -> None:
            if self.stop.is_set() or not gate.open(_now(self.cfg)):
                return
            try:
                result = job()
            except Exception as err:  # noqa: BLE001 - loop boundary: keep the worker alive
                # Known trouble (a server down, a full disk, a lost connection) gets one
                # line; anything else is a bug and gets its traceback.
                log.error("%s failed: %s", name, str(err).splitlines()[0] if str(err) else repr(err),
                          exc_info=not isinstance(err, _OPERATIONAL))
                gate.failed(_now(self.cfg))
                return
            if isinstance(result, SendStats) and result.unavailable:
                gate.failed(_now(self.cfg))
            else:
                gate.succeeded()
        return run

    def _on_signal(self, signum, _frame) -> None:
        log.info("signal %s: finishing the current message, then stopping", signum)
        self.stop.set()
        self.scheduler.shutdown(wait=False)


def _start_idle(app: App, wake: Callable[[], None], stop: threading.Event) -> IdleWatcher | None:
    """Watch an IMAP mailbox with IDLE when configured; maildir has nothing to push."""
    cfg = app.config
    if not cfg["mailbox.idle"] or not cfg["mailbox.url"].startswith(("imap://", "imaps://")):
        return None
    from intake.commands import open_configured_mailbox   # commands imports this module
    watcher = IdleWatcher(lambda: open_configured_mailbox(app), wake, stop,
                          idle_seconds=cfg["mailbox.idle_timeout_seconds"])
    watcher.start()
    return watcher


class Backoff:
    """Wait longer after each failure of a job, so that a wrong password or a dead server
    costs one attempt per period (doubling up to an hour), not one per scheduler tick:
    mail providers lock accounts that fail to log in every 30 seconds."""

    FIRST = dt.timedelta(seconds=30)
    LONGEST = dt.timedelta(hours=1)

    def __init__(self, name: str, *, first: dt.timedelta = FIRST) -> None:
        self.name = name
        self.first = first
        self.failures = 0
        self.not_before: dt.datetime | None = None

    def open(self, now: dt.datetime) -> bool:
        return self.not_before is None or now >= self.not_before

    def failed(self, now: dt.datetime) -> None:
        wait = min(self.LONGEST, self.first * 2 ** min(self.failures, 20))
        self.failures += 1
        self.not_before = now + wait
        log.warning("%s: failure %s in a row, next attempt after %s", self.name, self.failures,
                    self.not_before.isoformat(timespec="seconds"))

    def succeeded(self) -> None:
        if self.failures:
            log.info("%s: working again after %s failure(s)", self.name, self.failures)
        self.failures = 0
        self.not_before = None


def _now(cfg) -> dt.datetime:
    return wall_clock(cfg.tz)


def _seconds(n: int) -> dt.timedelta:
    return dt.timedelta(seconds=n)
