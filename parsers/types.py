"""Small frozen result types shared by the parsing pipeline.

The pipeline is: walk MIME (``mime``) -> extract text per document (``extract``) ->
analyse each text (``municipalities``, ``signers``, ``dates``, ``classify``) -> look at
the sender (``sender``) -> decide (``decide``). Each step takes and returns these types.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    """What a submission is, as exported (interface.md ``kind``)."""

    DECLARATION = "declaration"
    COUNCIL_DECISION = "council_decision"
    DECLINE = "decline"
    QUESTION = "question"
    AUTO_REPLY = "auto_reply"
    OTHER = "other"


class Status(str, Enum):
    """What became of a submission (interface.md ``status``)."""

    ACCEPTED = "accepted"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    IGNORED = "ignored"


class DocKind(str, Enum):
    """What a single document inside a message looks like."""

    DECLARATION = "declaration"        # the signed (or unsigned) declaration form
    MINUTES = "minutes"                # saksprotokoll / møtebok / council decision
    COVER_LETTER = "cover_letter"      # følgebrev / oversending
    DECLINE = "decline"                # a letter declining or postponing
    OTHER = "other"


# ---------------------------------------------------------------- MIME walk (mime.py)

@dataclass(frozen=True)
class Document:
    """One file found in a message: an attachment, an inline part or a zip member.

    ``detected_type`` comes from the bytes, not from the declared content type:
    one of ``pdf``, ``docx``, ``odt``, ``zip``, ``image``, ``text``, ``html``,
    ``rfc822``, ``tnef``, ``doc``, ``empty``, ``unknown``.
    """

    filename: str | None
    declared_type: str
    detected_type: str
    data: bytes
    path: tuple[str, ...] = ()     # containers it was found in, outermost first
    problem: str | None = None     # e.g. "zip_too_large": the walk could not open it fully
    content_id: str | None = None  # set for parts referenced from an HTML body (cid:)

    # Inline images below this size are letterhead logos and signature pictures, not
    # scans: a phone photo or a scanned page of a form is far larger.
    DECORATION_MAX_BYTES = 64 * 1024

    @property
    def is_decoration(self) -> bool:
        return (self.content_id is not None and self.detected_type == "image"
                and len(self.data) < self.DECORATION_MAX_BYTES)


@dataclass(frozen=True)
class Header:
    name: str
    value: str


@dataclass(frozen=True)
class ParsedMessage:
    """A message reduced to plain data. Produced by ``mime.parse_message``."""

    message_id: str | None
    from_address: str | None          # lower-case addr-spec, or None when absent/garbled
    from_name: str
    reply_to: str | None
    to: tuple[str, ...]
    subject: str
    date: dt.datetime | None          # the Date header, timezone-aware, or None
    received_date: dt.datetime | None  # timestamp of the topmost Received header
    in_reply_to: str | None
    references: tuple[str, ...]
    headers: tuple[Header, ...]       # every top-level header, decoded, in order
    body_text: str                    # best text of the top-level body (HTML turned to text)
    documents: tuple[Document, ...]   # every file, including those in nested messages and zips
    forwarded: tuple["ParsedMessage", ...] = ()  # message/rfc822 parts, parsed the same way
    problems: tuple[str, ...] = ()    # walk-level trouble: "nesting_too_deep", "defects", ...

    def header_values(self, name: str) -> list[str]:
        lname = name.lower()
        return [h.value for h in self.headers if h.name.lower() == lname]


# ------------------------------------------------------------ text (extract.py)

@dataclass(frozen=True)
class OcrWord:
    """One word as OCR read it, with the engine's confidence (0..100)."""

    text: str
    confidence: float


@dataclass(frozen=True)
class DocumentText:
    """The text read from one document, and how it was read."""

    text: str
    method: str                       # "pdf_text", "docx", "plain", "html", "ocr", "none"
    pages: int = 0
    problem: str | None = None        # a reason string (interface.md) when text is missing:
                                      # "unreadable_attachment", "no_text_layer", "unsupported_format"
    detail: str = ""                  # human-readable detail for staff
    # Every word OCR read, in reading order; empty when no page went through OCR. The
    # confidences are evidence: a name read poorly must not be recorded unchecked.
    ocr_words: tuple[OcrWord, ...] = field(default=(), compare=False)


# ------------------------------------------------------- evidence (analysis steps)

@dataclass(frozen=True)
class Municipality:
    """A municipality as the parsers see it. Built by storage from the registry data."""

    number: str                        # kommunenummer, 4 digits
    name: str                          # legal name without SSB's qualifier ("Herøy")
    display_name: str                  # SSB form, unique ("Herøy (Nordland)")
    county: str
    population: int
    invited: bool
    language_form: str                 # "bokmål", "nynorsk", "nøytral"
    aliases: tuple[tuple[str, str], ...] = ()   # (alias, kind): parallel, herad, short, former
    domains: tuple[str, ...] = ()      # mail domains trusted for this municipality


@dataclass(frozen=True)
class Mention:
    """A place in a text that names one municipality, or one of several (homonyms)."""

    numbers: frozenset[str]            # more than one when the name is ambiguous (Herøy, Våler)
    matched: str                       # the text as found
    source: str                        # "document", "subject", "body", "filename"
    strength: str                      # "strong" (X kommune, Kommune: X) or "weak"
    alias_kind: str = "name"           # name, parallel, herad, short, former, fuzzy
    county_hint: str | None = None     # a county named next to it, if any


@dataclass(frozen=True)
class CouncilDecision:
    """What a council's minutes say was decided (``parsers.minutes``), kept as evidence."""

    body: str | None                   # "kommunestyret", "formannskapet", "heradsstyret", ...
    meeting_date: dt.date | None
    case_number: str | None            # the body's case number, "045/20"
    archive_case: str | None           # the archive's case number, "20/1377"
    polarity: str                      # "positive", "negative", "postponed" or "unclear"
    final: bool                        # the body's own decision, not a proposal to another
    decision_text: str
    conditions: tuple[str, ...] = ()   # sentences attaching conditions to a positive decision

    @property
    def conditional(self) -> bool:
        return self.polarity == "positive" and bool(self.conditions)

    def as_dict(self) -> dict:
        return {"body": self.body,
                "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
                "case_number": self.case_number, "archive_case": self.archive_case,
                "polarity": self.polarity, "final": self.final, "conditional": self.conditional,
                "conditions": list(self.conditions), "decision_text": self.decision_text}


@dataclass(frozen=True)
class Signer:
    name: str
    title: str                         # lower case: "ordfører", "rådmann", ...

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "title": self.title}


@dataclass(frozen=True)
class SignatureCheck:
    """One digital signature in a PDF, as ``parsers.signature`` validated it."""

    signer: str | None                 # the certificate's common name
    signed_at: dt.datetime | None      # as the signer reported it (not proof of time)
    intact: bool                       # the digest and the signature value check out
    unchanged: bool                    # nothing that can alter the page was added after signing
    trusted: bool                      # the certificate chains to a configured trust root
    title: str = ""                    # the certificate's title attribute, lower case
    organisation: str = ""             # the certificate's organisation (O)
    issuer: str = ""                   # the issuing CA's common name
    detail: str = ""                   # one line for staff

    @property
    def sound(self) -> bool:
        """Intact and not changed since: the document reads as it was signed."""
        return self.intact and self.unchanged

    def as_dict(self) -> dict:
        return {"signer": self.signer, "title": self.title, "organisation": self.organisation,
                "issuer": self.issuer,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "intact": self.intact, "unchanged": self.unchanged, "trusted": self.trusted,
                "detail": self.detail}


@dataclass(frozen=True)
class DocumentAnalysis:
    """Everything learnt from one document's text."""

    filename: str | None
    path: tuple[str, ...]
    detected_type: str
    text_method: str
    problem: str | None
    doc_kind: DocKind
    mentions: tuple[Mention, ...]
    signers: tuple[Signer, ...]
    signed_date: dt.date | None
    declines: bool = False             # the text declines or postpones
    postpones: bool = False            # the text puts the decision off (not a decline)
    minutes: CouncilDecision | None = None   # what the council decided, for minutes
    signatures: tuple[SignatureCheck, ...] = ()   # digital signatures (PDF only)
    # What was read by OCR with low confidence among the facts the decision rests on,
    # e.g. ("signer Kari Moen",): such a document is never accepted without staff.
    low_confidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class SenderCheck:
    """What the envelope says about who sent a message."""

    address: str | None
    domain: str | None
    domain_numbers: frozenset[str]     # municipalities whose trusted domain this is
    authenticated: bool | None         # True pass, False fail, None unknown
    auth_detail: str = ""
    auto_reply: bool = False           # RFC 3834 and friends: never answer, ignore
    bulk: bool = False                 # list or bulk mail
    delivery_report: bool = False      # DSN / multipart/report
    # A trusted domain this one imitates (stavanger-kommune.com for stavanger.kommune.no),
    # in the From or a forwarded message's From: never a municipality's sender.
    lookalike_of: str | None = None
    # (address, municipalities of its domain) of each forwarded message's From that belongs
    # to a municipality this sender may speak for: the colleague whose answer it was.
    forwarded_from: tuple[tuple[str, frozenset[str]], ...] = ()


@dataclass(frozen=True)
class DecisionContext:
    """Inputs to ``decide`` that are not in the message: the campaign and the clock."""

    registry: tuple[Municipality, ...]
    invited: frozenset[str]
    deadline: dt.datetime
    received_at: dt.datetime
    own_addresses: frozenset[str] = frozenset()
    # Municipalities whose contacts got a mail of ours that this message answers, from
    # the same address we wrote to (In-Reply-To/References matched against the outbox).
    reply_numbers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    kind: Kind
    status: Status
    municipality_number: str | None
    signers: tuple[Signer, ...]
    signed_date: dt.date | None
    attachment: str | None
    late: bool
    reasons: tuple[str, ...]
    evidence: dict = field(default_factory=dict, hash=False, compare=False)  # JSON-able
