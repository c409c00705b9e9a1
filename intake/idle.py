"""Push delivery: wait on the mailbox with IMAP IDLE and wake the poll when mail arrives.

The watcher only says "look now"; the poll job does the fetching, under its lock, with
the ledger, exactly as on its timer. So IDLE adds speed and nothing else: when the server
offers no IDLE, or the IDLE connection keeps failing, the timer alone carries on.

Connections: the watcher keeps its own IMAP session (the poll opens and closes one per
run), re-issues IDLE every ``idle_timeout_seconds`` (RFC 2177: servers may drop a client
idle for 30 minutes), and reconnects after a failure with a growing pause.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from intake.mailbox.base import MailboxError

log = logging.getLogger("akson.idle")

# How often an idling watcher looks at the stop flag: SIGTERM ends it within this.
CHECK_SECONDS = 1.0
# After a failed IDLE session: 5 s, doubling to 5 minutes; Dovecot restarts in seconds,
# and the poll timer covers the gap anyway.
RETRY_FIRST_SECONDS = 5.0
RETRY_LONGEST_SECONDS = 300.0


class IdleWatcher(threading.Thread):
    """Calls ``wake()`` whenever the server announces new mail, until ``stop`` is set.

    ``open_box`` returns an unopened IMAP adapter (``ImapMailbox``); anything without
    ``wait_for_mail`` (a maildir) ends the watcher at once.
    """

    def __init__(self, open_box: Callable[[], object], wake: Callable[[], None], stop: threading.Event,
                 *, idle_seconds: float) -> None:
        super().__init__(name="imap-idle", daemon=True)
        self.open_box = open_box
        self.wake = wake
        self.stop_event = stop
        self.idle_seconds = idle_seconds
        self.announced = 0   # EXISTS announcements seen (for logs and tests)

    def run(self) -> None:
        failures = 0
        while not self.stop_event.is_set():
            try:
                if not self._watch():
                    return
                failures = 0
            except MailboxError as err:
                pause = min(RETRY_LONGEST_SECONDS, RETRY_FIRST_SECONDS * 2 ** failures)
                failures += 1
                log.warning("IDLE failed (%s); polling continues, IDLE again in %.0f s", err, pause)
                self.stop_event.wait(pause)
            except Exception:  # noqa: BLE001 - thread boundary: never die silently
                log.exception("IDLE watcher stopped by an unexpected error; polling continues")
                return

    def _watch(self) -> bool:
        """One IMAP session of IDLE rounds; False when IDLE is not possible at all."""
        box = self.open_box()
        if not hasattr(box, "wait_for_mail"):
            return False
        with box:
            if not box.supports_idle():
                log.info("%s offers no IDLE: polling only", box.key)
                return False
            log.info("waiting for mail on %s with IDLE (re-issued every %.0f s)", box.key, self.idle_seconds)
            # Mail may have come while this session was down: look once now.
            self.wake()
            while not self.stop_event.is_set():
                if box.wait_for_mail(seconds=self.idle_seconds, stop=self.stop_event.is_set,
                                     check_every=CHECK_SECONDS):
                    self.announced += 1
                    log.info("new mail announced on %s", box.key)
                    self.wake()
        return True
