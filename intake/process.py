"""Turn stored raw messages into recorded submissions: the second durable stage.

Each message is claimed, analysed by the pure parsers and recorded in one transaction
(on PostgreSQL the claim is a row lock taken with SKIP LOCKED, so several workers share
the work). A message the parsers cannot handle still becomes a submission in the review
queue, with the error as its evidence: nothing is dropped.
"""
from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass, field
from typing import Callable

from intake.campaign import Campaign
from parsers.analyse import Analyser
from parsers.headers import receipt_time
from parsers.types import Decision, Kind, Status
from storage import repo, submissions
from storage.db import session_scope

log = logging.getLogger("akson.process")

# A message whose recording fails this many times (database trouble, not parser trouble)
# is left in state "failed" for an operator instead of being retried forever.
MAX_ATTEMPTS = 5


@dataclass
class ProcessStats:
    processed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    def count(self, status: str) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1


def make_analyser(campaign: Campaign, *, authserv_id: str = "", own_addresses=frozenset(),
                  ocr=None) -> Analyser:
    return Analyser(campaign.municipalities, invited=campaign.invited, deadline=campaign.deadline,
                    authserv_ids=(authserv_id,) if authserv_id else (),
                    own_addresses=frozenset(own_addresses), ocr=ocr)


def failed_decision(err: BaseException, late: bool) -> Decision:
    """The review item made for a message the parsers could not handle."""
    return Decision(kind=Kind.OTHER, status=Status.NEEDS_REVIEW, municipality_number=None,
                    signers=(), signed_date=None, attachment=None, late=late,
                    reasons=("processing_error",),
                    evidence={"error": f"{type(err).__name__}: {err}",
                              "traceback": traceback.format_exc(limit=20)})


def process_pending(sessions, analyser: Analyser, *, now: Callable[[], dt.datetime],
                    limit: int | None = None,
                    on_done: Callable[[Decision], None] | None = None) -> ProcessStats:
    stats = ProcessStats()
    while limit is None or stats.processed < limit:
        with session_scope(sessions) as s:
            claimed = repo.claim_new_raw(s, 1)
            if not claimed:
                break
            decision = _process_claimed(s, analyser, claimed[0], now())
        stats.processed += 1
        stats.count(decision.status.value)
        if decision.reasons == ("processing_error",):
            stats.errors += 1
        if on_done:
            on_done(decision)
    return stats


def _process_claimed(s, analyser: Analyser, raw_id: int, now: dt.datetime) -> Decision:
    raw = repo.load_raw(s, raw_id)
    received_at = receipt_time(raw) or now
    try:
        analysis = analyser.analyse(raw, received_at=received_at)
        decision, message = analysis.decision, analysis.message
        meta = {"message_id": message.message_id, "sender": message.from_address,
                "subject": message.subject}
    except Exception as err:  # noqa: BLE001 - loop boundary: one bad message must not stop the rest
        log.exception("could not analyse raw message %s", raw_id)
        decision = failed_decision(err, received_at > analyser.deadline)
        meta = {"message_id": None, "sender": None, "subject": ""}
    sub_id = submissions.record(s, raw_message_id=raw_id, decision=decision, received_at=received_at,
                                now=now, **meta)
    repo.mark_raw(s, raw_id, "processed", now=now)
    log.info("submission %s: %s %s municipality=%s reasons=%s", sub_id, decision.kind.value,
             decision.status.value, decision.municipality_number, ",".join(decision.reasons))
    return decision
