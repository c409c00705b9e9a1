"""Which mail a decision or a reminder step causes, rendered and queued in the same transaction.

The rules that keep municipalities from getting a wrong or duplicate mail live here:

- one mail per reason, ever: the outbox key (``ack:<submission>``, ``reminder:<number>:<days>``)
  is unique, so running any step again queues nothing new;
- acknowledgements go to the sender and (when configured) the municipality's official
  address, never to a machine (auto-replies, lists, delivery reports, our own address are
  decided ``ignored`` upstream and get nothing) and never to a sender whose identity is in
  doubt (unauthenticated, another or unknown domain, lookalike domain);
- reminders go to the municipality's own contacts only, leaving out addresses that bounced;
- no address gets more than ``max_per_recipient_per_day`` mails a day from us.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.mailtemplates import MailTemplates, language_for
from intake.outmail import OutgoingMailError, addr_spec, message_id_for
from storage import outbox
from storage.models import Municipality, MunicipalityAlias, MunicipalityContact, Submission

log = logging.getLogger("akson.notify")

SIGNING_KINDS = ("declaration", "council_decision")
ANSWER_KINDS = SIGNING_KINDS + ("decline",)
# A sender we are not sure of gets no "we have your declaration" from the ministry.
DOUBTFUL_SENDER = frozenset({"sender_not_authenticated", "sender_domain_mismatch",
                             "sender_lookalike_domain", "not_invited"})
# Decided by the machine as not a person writing to us: never answered.
MACHINE_REASONS = frozenset({"auto_reply", "bulk_mail", "delivery_report", "own_address"})
# Outbox key per purpose: a signed and a declined acknowledgement share one key, so a
# submission staff move between the two is still acknowledged only once.
KEY_PREFIX = {"ack_signed": "ack", "ack_decline": "ack", "ack_review": "ack-review",
              "late_notice": "late-notice"}


@dataclass(frozen=True)
class MailSettings:
    from_header: str
    campaign_name: str
    deadline: dt.datetime
    tz: ZoneInfo
    enquiries: str
    neutral_language: str
    copy_official: bool
    max_per_recipient_per_day: int

    @classmethod
    def from_config(cls, cfg) -> "MailSettings":
        from_address = parseaddr(cfg["smtp.from"])[1]
        return cls(from_header=cfg["smtp.from"], campaign_name=cfg["campaign.name"],
                   deadline=cfg.deadline, tz=cfg.tz,
                   enquiries=cfg["outbox.enquiries"] or from_address,
                   neutral_language=cfg["outbox.neutral_language"],
                   copy_official=cfg["outbox.copy_official_address"],
                   max_per_recipient_per_day=cfg["outbox.max_per_recipient_per_day"])

    @property
    def from_address(self) -> str:
        return parseaddr(self.from_header)[1].lower()

    @property
    def sender_name(self) -> str:
        return parseaddr(self.from_header)[0] or self.from_address

    @property
    def domain(self) -> str:
        return self.from_address.rsplit("@", 1)[-1] if "@" in self.from_address else ""


class Notifier:
    def __init__(self, settings: MailSettings, templates: MailTemplates) -> None:
        self.settings = settings
        self.templates = templates

    # ---------------------------------------------------------------- decisions

    def after_decision(self, s: Session, sub: Submission, *, now: dt.datetime,
                       references: Iterable[str] = ()) -> str | None:
        """Queue what ``sub``'s current decision calls for; returns the key queued, if any."""
        purpose = self.purpose_for(sub)
        if purpose is None:
            return None
        key = f"{KEY_PREFIX[purpose]}:{sub.id}"
        if outbox.exists(s, key):
            return None
        muni = s.get(Municipality, sub.municipality_number) if sub.municipality_number else None
        to, cc = self._ack_recipients(s, sub, muni)
        if not to:
            log.warning("no address to acknowledge submission %s (%s)", sub.id, purpose)
            return None
        if self._over_cap(s, to[0], now):
            log.warning("not acknowledging submission %s: %s already got %s mails today",
                        sub.id, to[0], self.settings.max_per_recipient_per_day)
            return None
        lang = self.language(muni)
        context = self.common_context(s, muni) | {"submission": _submission_context(sub)}
        refs = [r for r in (*references, sub.message_id) if r]
        return self._queue(s, key=key, purpose=purpose, lang=lang, context=context, to=to, cc=cc,
                           number=sub.municipality_number, submission_id=sub.id,
                           in_reply_to=sub.message_id, references=refs,
                           auto_submitted="auto-replied", now=now)

    def purpose_for(self, sub: Submission) -> str | None:
        reasons = set(sub.reasons or [])
        if sub.kind not in ANSWER_KINDS or reasons & MACHINE_REASONS:
            return None
        if sub.status == "accepted":
            if sub.late:
                return "late_notice"
            return "ack_signed" if sub.kind in SIGNING_KINDS else "ack_decline"
        if sub.status == "needs_review" and not reasons & DOUBTFUL_SENDER:
            return "late_notice" if sub.late else "ack_review"
        return None

    def _ack_recipients(self, s: Session, sub: Submission,
                        muni: Municipality | None) -> tuple[list[str], list[str]]:
        sender = (sub.sender or "").strip().lower()
        usable_sender = _sendable(sender) and sender != self.settings.from_address
        official: list[str] = []
        # Only an accepted answer is worth a copy to the municipality's official address.
        if muni is not None and self.settings.copy_official and sub.status == "accepted":
            official = [c.email for c in _contacts(s, muni.number, roles=("official",))]
        to = [sender] if usable_sender else official[:1]
        cc = [a for a in [*_forwarded_colleagues(sub), *official]
              if a.lower() not in {t.lower() for t in to}]
        return to, list(dict.fromkeys(cc))

    # ---------------------------------------------------------------- reminders

    def has_reminder(self, s: Session, number: str, days: int) -> bool:
        return outbox.exists(s, f"reminder:{number}:{days}")

    def reminder(self, s: Session, number: str, *, days: int, final: bool, now: dt.datetime,
                 dry_run: bool = False) -> tuple[str, list[str]] | None:
        """Queue (or, dry, only work out) the reminder of step ``days`` for ``number``.

        Returns (key, recipients) when a mail is or would be queued, None when it was
        queued before or the municipality has no usable contact.
        """
        key = f"reminder:{number}:{days}"
        if outbox.exists(s, key):
            return None
        contacts = _contacts(s, number, roles=("official", "cc"))
        to = [c.email for c in contacts if c.role == "official"]
        cc = [c.email for c in contacts if c.role == "cc"]
        if not to:
            to, cc = cc[:1], cc[1:]
        if not to:
            return None
        if dry_run:
            return key, to + cc
        muni = s.get(Municipality, number)
        # Counted to the last full day, the date the mail prints as the deadline.
        last_day = (self.settings.deadline - dt.timedelta(seconds=1)).astimezone(self.settings.tz).date()
        days_left = max(0, (last_day - now.astimezone(self.settings.tz).date()).days)
        context = self.common_context(s, muni) | {"step_days": days, "days_left": days_left, "final": final}
        queued = self._queue(s, key=key, purpose="reminder", lang=self.language(muni), context=context,
                             to=to, cc=cc, number=number, submission_id=None, in_reply_to=None,
                             references=[], auto_submitted="auto-generated", now=now, reminder_days=days)
        return (queued, to + cc) if queued else None

    # ---------------------------------------------------------------- shared

    def _queue(self, s: Session, *, key: str, purpose: str, lang: str, context: dict[str, Any],
               to: list[str], cc: list[str], number: str | None, submission_id: int | None,
               in_reply_to: str | None, references: list[str], auto_submitted: str,
               now: dt.datetime, reminder_days: int | None = None) -> str | None:
        mail = self.templates.render(purpose, lang, context)
        new = outbox.NewMail(
            key=key, purpose=purpose, language=lang, to=to, cc=cc, subject=mail.subject,
            text=mail.text, html=mail.html, message_id=message_id_for(key, self.settings.domain),
            auto_submitted=auto_submitted, municipality_number=number, submission_id=submission_id,
            reminder_days=reminder_days, in_reply_to=in_reply_to, references=references)
        if outbox.enqueue(s, new, now=now) is None:
            return None
        log.info("mail queued key=%s purpose=%s to=%s", key, purpose, ",".join(to + cc))
        return key

    def _over_cap(self, s: Session, address: str, now: dt.datetime) -> bool:
        local = now.astimezone(self.settings.tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return outbox.count_to_recipient(s, address, since=midnight) >= self.settings.max_per_recipient_per_day

    def language(self, muni: Municipality | None) -> str:
        return language_for(muni.language_form if muni else "", self.settings.neutral_language)

    def common_context(self, s: Session, muni: Municipality | None) -> dict[str, Any]:
        return {
            "campaign_name": self.settings.campaign_name,
            "deadline": self.settings.deadline,
            "enquiries": self.settings.enquiries,
            "sender_name": self.settings.sender_name,
            "municipality": None if muni is None else {
                "number": muni.number, "name": muni.name, "display_name": mail_name(s, muni),
                "county": muni.county},
        }


def mail_name(s: Session, muni: Municipality) -> str:
    """How a letter names the municipality: "Ulvik herad", "Våler kommune"."""
    herad = s.scalars(select(MunicipalityAlias.alias).where(
        MunicipalityAlias.number == muni.number, MunicipalityAlias.kind == "herad")).first()
    # SSB's display name tells homonyms apart with "(County)"; a letter to them need not.
    return herad or f"{muni.name} kommune"


def _submission_context(sub: Submission) -> dict[str, Any]:
    return {"id": sub.id, "received_at": sub.received_at, "subject": sub.subject or "",
            "attachment": sub.attachment, "signers": list(sub.signers or []),
            "signed_date": sub.signed_date, "kind": sub.kind}


def _contacts(s: Session, number: str, *, roles: tuple[str, ...]) -> list[MunicipalityContact]:
    """The municipality's contacts in those roles, leaving out addresses that bounced."""
    return list(s.scalars(select(MunicipalityContact)
                          .where(MunicipalityContact.number == number,
                                 MunicipalityContact.role.in_(roles),
                                 MunicipalityContact.bounced_at.is_(None))
                          .order_by(MunicipalityContact.role.desc(), MunicipalityContact.id)))


def _forwarded_colleagues(sub: Submission) -> list[str]:
    """The inner From of a forwarded answer, when it is of the municipality it was accepted
    for: the person who wrote it learns it arrived, not only the archive that forwarded it."""
    if sub.status != "accepted" or not sub.municipality_number:
        return []
    found = ((sub.evidence or {}).get("sender") or {}).get("forwarded_from") or []
    return [f["address"].strip().lower() for f in found
            if sub.municipality_number in f.get("municipalities", ())
            and _sendable(f["address"].strip().lower())]


def _sendable(address: str) -> bool:
    """Whether the send step will take ``address`` (the same rule, not a second one)."""
    try:
        addr_spec(address, "to")
    except OutgoingMailError:
        return False
    return True
