"""The per-message toolkit the campaign recipes share: who sends, who signs, the label.

A ``Ctx`` is one message being made: its municipality, language, times and random
generator. Helpers here turn it into specs, sender identities, mails and labels, so
each recipe in ``recipes`` reads as the story of one kind of submission.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from . import mailtext
from .declaration import declaration_pdf
from .emails import Attachment, Auth, message_id, submission_email
from .names import (STAFF_TITLES, Municipality, Signer, email_local, person_name)
from .specs import DeclarationSpec

PDF = "application/pdf"
INVITATION_DATE = dt.date(2020, 5, 5)
DECLARATION_FILENAMES = (
    "Intensjonserklæring Akson - signert.pdf", "Signert_intensjonserklæring.pdf", "erklæring signert.pdf",
    "Intensjonserklæring - {m}.pdf", "Akson_intensjonserklaering_signert.pdf",
    "{number} {short} - intensjonserklæring.pdf", "Akson erklæring {short}.pdf",
)


@dataclass(frozen=True)
class Sender:
    display: str
    address: str
    title: str            # what they sign the mail body with
    name: str             # the person who writes, also behind a shared mailbox


@dataclass
class Ctx:
    """One message being made. ``rng`` is this message's own generator (seeded by
    ``seed``), so adding a category elsewhere does not change this message."""

    rng: random.Random
    seed: int
    m: Municipality
    language: str
    received_at: dt.datetime
    deadline: dt.datetime
    message_id: str = ""
    extra: dict = field(default_factory=dict)

    # -------------------------------------------------------------- times and people
    @property
    def sent_at(self) -> dt.datetime:
        return self.received_at - dt.timedelta(seconds=3 + self.seed % 87)

    @property
    def signed_on(self) -> dt.date:
        back = (0, 0, 1, 1, 2, 3, 4, 6)[self.seed % 8]   # signed, then mailed days later
        signed = self.received_at.date() - dt.timedelta(days=back)
        # Nobody signs before the invitation went out (unless the caller's clock says so).
        return max(signed, min(INVITATION_DATE, self.received_at.date()))

    @property
    def late(self) -> bool:
        return self.received_at > self.deadline

    def sub_seed(self) -> int:
        return self.rng.randrange(1 << 30)

    def person(self, title: str) -> Signer:
        sami = self.m.has_parallel_name and self.rng.random() < 0.5
        return Signer(person_name(self.rng, sami=sami), title)

    def mayor(self) -> Signer:
        return self.person("ordfører")

    def staff(self) -> Signer:
        return self.person(self.rng.choice(STAFF_TITLES))

    def sender(self, person: Signer | None = None, *, domain: str | None = None) -> Sender:
        """``person`` mails from their own address; None means the postmottak mailbox."""
        domain = domain or self.m.domain
        if person is None:
            # A shared mailbox, but a person writes (and signs) the mail.
            clerk = self.staff()
            return Sender(f"Postmottak {self.m.printed_name}", f"postmottak@{domain}", clerk.title,
                          clerk.name)
        return Sender(person.name, f"{email_local(person.name, self.rng)}@{domain}", person.title,
                      person.name)

    def usual_sender(self, signer: Signer | None) -> Sender:
        """Who mails a declaration: the mayor, a staff member, or the postmottak mailbox."""
        roll = self.rng.random()
        if signer is not None and roll < 0.3:
            return self.sender(signer)
        if roll < 0.8:
            return self.sender(self.staff())
        return self.sender(None)

    # -------------------------------------------------------------- documents
    def declaration_spec(self, signers: tuple[Signer, ...], *, layout: str | None = None,
                         all_caps: bool = False, municipality: str | None = None,
                         dated: bool = True) -> DeclarationSpec:
        rng = self.rng
        return DeclarationSpec(
            municipality=municipality or self.m.printed_name,
            place=self.m.place,
            signed_on=self.signed_on if dated else None,
            signers=signers,
            language=self.language,
            layout=layout or rng.choice(("plain", "plain", "grid")),
            all_caps=all_caps,
            wording=rng.randrange(3),
            date_style=rng.choice(("long", "dotted", "short", "iso", "dotted_unpadded")),
            serif=rng.random() < 0.25,
            attachment_note=rng.random() < 0.3,
            seed=self.sub_seed(),
        )

    def declaration_attachment(self, spec: DeclarationSpec) -> Attachment:
        return Attachment(self.declaration_filename(), declaration_pdf(spec), PDF)

    def declaration_filename(self) -> str:
        pattern = self.rng.choice(DECLARATION_FILENAMES)
        return pattern.format(m=self.m.printed_name, short=self.m.short_name, number=self.m.number)

    def ref(self) -> str:
        return f"20/{self.rng.randint(600, 4800)}-{self.rng.randint(1, 12)}"

    # -------------------------------------------------------------- mail and label
    def subject(self) -> str:
        return mailtext.subject(self.rng, self.language, self.m.printed_name, self.m.short_name)

    def client(self) -> str:
        return self.rng.choice(("outlook", "outlook", "exchange", "exchange", "thunderbird"))

    def mail(self, sender: Sender, body: str, attachments: list[Attachment], *,
             subject: str | None = None, auth: Auth = Auth(), client: str | None = None,
             **options) -> bytes:
        """A submission from ``sender``; fixes this message's Message-ID for the label."""
        client = client or self.client()
        self.message_id = message_id(self.rng, client, sender.address.rsplit("@", 1)[1])
        return submission_email(
            from_name=sender.display, from_address=sender.address,
            subject=subject or self.subject(), body=body, sent_at=self.sent_at,
            received_at=self.received_at, seed=self.sub_seed(), attachments=attachments,
            auth=auth, client=client, language=self.language, message_id_value=self.message_id,
            **options)

    def body(self, sender: Sender, *, signatory_title: str = "ordfører", extras: tuple[str, ...] = (),
             council: str = "kommunestyret") -> str:
        return mailtext.submission_body(
            self.rng, self.language, self.m.printed_name, sender_name=sender.name,
            sender_title=sender.title, signatory_title=signatory_title, extras=extras,
            council=council)

    def label(self, category: str, kind: str, outcome: str, *, sender: Sender | None,
              signers: tuple[Signer, ...] = (), signed: bool = False,
              reasons: tuple[str, ...] = (), attachment: str | None = None,
              declined: bool = False, alt: tuple[str, ...] = (), no_reply: bool = False,
              municipality: bool = True, also_ack: tuple[str, ...] = (), layout: str | None = None) -> dict:
        """The expected outcome, in the vocabulary of the labelled corpus (truth.json)."""
        acks: list[str] = []
        if not no_reply:
            for address in (sender.address if sender else None, *also_ack, f"postmottak@{self.m.domain}"):
                if address and address not in acks:
                    acks.append(address)
        return {
            "message_id": self.message_id,
            "category": category,
            "expected_kind": kind,
            "expected_outcome": outcome,
            "alt_outcomes": list(alt),
            "municipality_number": self.m.number if municipality else None,
            "municipality_name": self.m.printed_name if municipality else None,
            "signers": [{"name": s.name, "title": s.title} for s in signers],
            "signed_date": self.signed_on.isoformat() if signed else None,
            "declined": declined,
            "late": self.late,
            "duplicate_of": None,
            "decision_attachment": attachment,
            "no_reply": no_reply,
            "ack_addresses": acks,
            "expected_reasons": list(reasons),
            "received_at": self.received_at.isoformat(),
            "layout": layout,
        }
