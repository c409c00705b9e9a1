"""The parsing pipeline as a chain of small named steps, bytes in, decision out.

walk MIME -> extract text -> analyse each document -> read subject and body ->
check the sender -> decide. Everything it needs that is not in the message comes in
an ``Analyser`` built once per processing run (the name index is the costly part).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from parsers import classify, dates, minutes, ocrtext, signers
from parsers.decide import UNSUPPORTED as UNSUPPORTED_FORMAT, BodyFacts, decide
from parsers.extract import OCR, extract_text
from parsers.mime import parse_message
from parsers.municipalities import NameIndex
from parsers.sender import check_sender, lookalike_index
from parsers.signature import read_signatures
from parsers.types import (
    Decision,
    DecisionContext,
    DocKind,
    Document,
    DocumentAnalysis,
    DocumentText,
    Municipality,
    ParsedMessage,
    SenderCheck,
)

OcrFunction = OCR   # the seam for Tesseract (``intake.ocr``)
ReplyLookup = Callable[[ParsedMessage], frozenset[str]]


@dataclass(frozen=True)
class Analysis:
    message: ParsedMessage
    sender: SenderCheck
    documents: tuple[DocumentAnalysis, ...]
    body: BodyFacts
    decision: Decision
    texts: tuple[DocumentText, ...] = field(default=())


class Analyser:
    """Holds the registry-derived lookups so each message costs only its own work."""

    def __init__(self, municipalities: Sequence[Municipality], *, invited: frozenset[str],
                 deadline: dt.datetime, authserv_ids: Sequence[str] = (),
                 own_addresses: frozenset[str] = frozenset(),
                 ocr: OcrFunction | None = None, trust_roots: Sequence = (),
                 intermediaries: Mapping[str, Sequence[str]] | None = None) -> None:
        """``trust_roots``: asn1crypto certificates (``signature.parse_trust_roots``);
        ``intermediaries``: domain -> kommunenummer it sends for ("*" for all)."""
        self.municipalities = tuple(municipalities)
        self.index = NameIndex(self.municipalities)
        self.domain_numbers = _domain_map(self.municipalities)
        self.invited = invited
        self.deadline = deadline
        self.authserv_ids = tuple(authserv_ids)
        self.own_addresses = frozenset(a.lower() for a in own_addresses)
        self.ocr = ocr
        self.trust_roots = tuple(trust_roots)
        self.intermediaries = _intermediary_map(intermediaries or {}, self.municipalities)
        self.lookalikes = lookalike_index([d for m in self.municipalities for d in m.domains])

    def analyse(self, raw: bytes, *, received_at: dt.datetime,
                replies: ReplyLookup | None = None) -> Analysis:
        """``replies`` maps the parsed message to the municipalities it answers for us."""
        message = parse_message(raw)
        reply_numbers = replies(message) if replies is not None else frozenset()
        return self.analyse_parsed(message, received_at=received_at, reply_numbers=reply_numbers)

    def analyse_parsed(self, message: ParsedMessage, *, received_at: dt.datetime,
                       reply_numbers: frozenset[str] = frozenset()) -> Analysis:
        # Logos and signature pictures in an HTML body are not submissions' documents.
        files = [doc for doc in message.documents if not doc.is_decoration]
        texts = tuple(extract_text(doc, ocr=self.ocr) for doc in files)
        docs = [self.analyse_document(doc, text, received_at=received_at)
                for doc, text in zip(files, texts)]
        docs = [ocrtext.with_doubts(d, text) for d, text in zip(docs, texts)]
        body = self.read_body(message)
        sender = check_sender(message, domain_numbers=self.domain_numbers,
                              authserv_ids=self.authserv_ids,
                              intermediaries=self.intermediaries, lookalikes=self.lookalikes)
        ctx = DecisionContext(registry=self.municipalities, invited=self.invited,
                              deadline=self.deadline, received_at=received_at,
                              own_addresses=self.own_addresses, reply_numbers=reply_numbers)
        decision = decide(message, sender, docs, body, ctx)
        return Analysis(message, sender, tuple(docs), body, decision, texts)

    def analyse_document(self, doc: Document, text: DocumentText, *,
                         received_at: dt.datetime | None = None) -> DocumentAnalysis:
        """``received_at`` is the moment signatures are judged at (none: not judged)."""
        content = text.text if not text.problem else ""
        if not content.strip():
            return DocumentAnalysis(
                filename=doc.filename, path=doc.path, detected_type=doc.detected_type,
                text_method=text.method, problem=_problem(doc, text),
                doc_kind=DocKind.OTHER, mentions=(), signers=(), signed_date=None)
        mentions = self.index.find(content, "document")
        if doc.filename:
            mentions += self.index.find(doc.filename, "filename")
        return DocumentAnalysis(
            filename=doc.filename, path=doc.path, detected_type=doc.detected_type,
            text_method=text.method, problem=None,
            doc_kind=classify.classify_document(content, doc.filename),
            mentions=mentions, signers=signers.find_signers(content),
            signed_date=dates.find_signed_date(content),
            **minutes.document_facts(content, doc.filename),
            declines=classify.declines(content),
            signatures=self.signatures(doc, received_at))

    def signatures(self, doc: Document, received_at: dt.datetime | None) -> tuple:
        if doc.detected_type != "pdf" or received_at is None:
            return ()
        return read_signatures(doc.data, trust_roots=self.trust_roots, moment=received_at)

    def read_body(self, message: ParsedMessage) -> BodyFacts:
        body = message.body_text or ""
        mentions = self.index.find(message.subject or "", "subject") + self.index.find(body, "body")
        return BodyFacts(
            mentions=mentions,
            declines=classify.declines(body) or classify.declines(message.subject or ""),
            is_question=classify.is_question(message.subject or "", body),
            claims_signed=classify.claims_signed_in_body(body),
            postpones=classify.postpones(classify.own_text(body)),
        )


def _domain_map(municipalities: Sequence[Municipality]) -> Mapping[str, frozenset[str]]:
    """Mail domain -> municipalities that use it (more than one means: trust none)."""
    owners: dict[str, set[str]] = {}
    for m in municipalities:
        for domain in m.domains:
            owners.setdefault(domain.lower().strip("."), set()).add(m.number)
    return {d: frozenset(n) for d, n in owners.items() if len(n) == 1}


def _intermediary_map(table: Mapping[str, Sequence[str]],
                      municipalities: Sequence[Municipality]) -> Mapping[str, frozenset[str]]:
    """Intermediary domain -> municipalities it may send for; "*" means every one."""
    known = frozenset(m.number for m in municipalities)
    return {domain.lower().strip("."): known if "*" in numbers else frozenset(numbers) & known
            for domain, numbers in table.items()}


# Formats no reader here opens (Word 97-2003 and Outlook .msg are OLE2; a TNEF blob that
# did not unpack): not broken, just unsupported, so staff open them in Word or Outlook.
UNSUPPORTED_TYPES = frozenset({"doc", "tnef"})


def _problem(doc: Document, text: DocumentText) -> str:
    if doc.detected_type in UNSUPPORTED_TYPES:
        return UNSUPPORTED_FORMAT
    return text.problem or doc.problem or "unreadable_attachment"
