"""Walk a raw message into plain data: its headers, its body text and every file in it.

``parse_message`` never raises: whatever the bytes, the result is a ``ParsedMessage``;
what could not be read is named in ``problems`` (walk level) or ``Document.problem``.
The stdlib parser runs with (a variant of) the ``compat32`` policy because it records
defects instead of raising when a malformed header is read; the default policy raises
on some of them when they are accessed. Header and body text is decoded by
``parsers.sniff`` with fallbacks, so raw UTF-8, broken encoded words and unknown
charsets all come out as text.
"""
from __future__ import annotations

import base64
import binascii
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import Compat32

from parsers import tnef
from parsers.archive import archive_bounds_problem, is_junk, member_name
from parsers.bigparts import Lifted
from parsers.headers import (
    first_address, header_addresses, header_date, header_msg_id, header_msg_ids, repair_head,
)
from parsers.htmltext import html_charset, html_to_text
from parsers.sniff import decode_header, decode_text, detect_type, unfold_header
from parsers.types import Document, Header, ParsedMessage

MB = 1024 * 1024


@dataclass(frozen=True)
class WalkLimits:
    """Bounds on the walk; a message beyond them is still returned, with problems set."""

    # Container levels (multipart and message) below the top. A forward chain costs
    # about two per level (multipart/mixed + message/rfc822), so 10 forwards fit.
    max_depth: int = 30
    max_forward_depth: int = 10    # message/rfc822 inside message/rfc822 ...
    max_parts: int = 2000          # MIME parts visited in one message, all levels
    max_documents: int = 500       # files returned, all levels and archives
    zip_max_members: int = 100
    zip_max_total: int = 50 * MB   # uncompressed bytes taken out of archives, per message
    zip_max_member: int = 30 * MB  # more than any scanned declaration we have seen
    zip_max_ratio: int = 100       # scans and PDFs compress 1-10x; 100x+ is a bomb
    zip_max_depth: int = 3         # zip inside zip inside zip


class _RawHeaderPolicy(Compat32):
    """compat32 that hands back header values as parsed, 8-bit bytes surrogate-escaped.

    Plain compat32 wraps such values in a Header that turns every non-ASCII byte into
    U+FFFD before we can see it; raw UTF-8 file names ("ciële.txt") need the bytes.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_POLICY = _RawHeaderPolicy()
_FORWARD_TYPES = {"message/rfc822", "message/global", "message/news"}
# Parts that are protocol machinery, not files anyone sent us: reports, signatures.
_STRUCTURAL = {
    "message/delivery-status", "message/global-delivery-status",
    "message/disposition-notification", "message/global-disposition-notification",
    "message/feedback-report", "message/external-body", "message/partial",
    "text/rfc822-headers", "message/global-headers", "application/pgp-signature",
    "application/pkcs7-signature", "application/x-pkcs7-signature",
    "application/pgp-encrypted",
}
_BODY_TYPES = {"text/plain", "text/html"}


def parse_message(raw: bytes, limits: WalkLimits = WalkLimits()) -> ParsedMessage:
    """Reduce ``raw`` to a ``ParsedMessage``; never raises.

    - ``documents`` holds every file at any depth: attachments and inline parts alike,
      zip members instead of their zip, files of attached messages with ``path``
      naming the containers (a message by its subject, a zip by its file name).
    - ``forwarded`` holds the attached messages one level down, each parsed the same
      way (its own ``forwarded`` goes further down).
    - ``to`` is the To header only; Cc and the rest are in ``headers``.
    - Signatures and delivery-status parts are not documents; the message a bounce
      returns is a forward.
    """
    try:
        lifted = Lifted(bytes(raw))     # large base64 bodies kept out of the stdlib parser
        msg = BytesParser(policy=_POLICY).parsebytes(repair_head(lifted.raw))
        return _message(msg, _Budget(limits, lifted), depth=0, forward_depth=0)
    except RecursionError:
        return _fallback(raw, "nesting_too_deep")
    except Exception:  # a bug or a stdlib surprise must not lose the message
        return _fallback(raw, "unparseable")


# ------------------------------------------------------------ text and headers

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return unicodedata.normalize("NFC", text)


def _header_pairs(msg: Message) -> list[tuple[str, str]]:
    try:
        items = list(msg.raw_items())   # raw values: the policy may not re-fold or wrap them
    except Exception:
        items = list(getattr(msg, "_headers", []))
    return [(decode_header(name), unfold_header(value)) for name, value in items]


def _assemble(pairs: list[tuple[str, str]], found: "_Found") -> ParsedMessage:
    def values(name: str) -> list[str]:
        return [v for n, v in pairs if n.lower() == name]

    def first(name: str) -> str | None:
        found_values = values(name)
        return found_values[0] if found_values else None

    froms = values("from")
    if len(froms) > 1:
        found.problem("multiple_from")
    from_name, from_address = first_address(froms[0] if froms else None)
    received = first("received") or ""
    references = first("references") or ""
    return ParsedMessage(
        message_id=header_msg_id(first("message-id")),
        from_address=from_address,
        from_name=from_name,
        reply_to=first_address(first("reply-to"))[1],
        to=header_addresses(values("to")),
        subject=decode_header(first("subject") or ""),
        date=header_date(first("date")),
        received_date=header_date(received.rsplit(";", 1)[1]) if ";" in received else None,
        in_reply_to=header_msg_id(first("in-reply-to")),
        references=header_msg_ids(references),
        headers=tuple(Header(name, decode_header(value)) for name, value in pairs),
        body_text=_clean_text("\n\n".join(b for b in found.bodies if b.strip())).strip(),
        documents=tuple(found.documents),
        forwarded=tuple(found.forwarded),
        problems=tuple(found.problems),
    )


# ---------------------------------------------------------------- the walk

class _Budget:
    """Counters shared by every level of one ``parse_message`` call."""

    def __init__(self, limits: WalkLimits, lifted: Lifted | None = None) -> None:
        self.limits = limits
        self.lifted = lifted
        self.parts = 0
        self.documents = 0
        self.zip_bytes = 0


@dataclass
class _Found:
    """What the walk of one message (not its forwards) collects."""

    documents: list[Document] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    forwarded: list[ParsedMessage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def problem(self, name: str) -> None:
        if name not in self.problems:
            self.problems.append(name)


def _message(msg: Message, budget: _Budget, depth: int, forward_depth: int) -> ParsedMessage:
    found = _Found()
    _walk(msg, found, budget, depth, forward_depth, body_ok=True)
    return _assemble(_header_pairs(msg), found)


def _walk(part: Message, found: _Found, budget: _Budget, depth: int, fwd: int,
          body_ok: bool) -> None:
    limits = budget.limits
    budget.parts += 1
    if budget.parts > limits.max_parts:
        return found.problem("too_many_parts")
    if depth > limits.max_depth:
        return found.problem("nesting_too_deep")
    if part.defects:
        found.problem("defects")
    ctype = _content_type(part)
    if ctype in _STRUCTURAL:
        if ctype == "message/partial":
            found.problem("partial_message")
        return
    payload = part.get_payload()
    if isinstance(payload, list) and ctype in _FORWARD_TYPES:
        inner = payload[0] if payload and isinstance(payload[0], Message) else None
        encoded = _base64_message(part, inner, budget.lifted)
        if encoded is not None:
            _file(encoded, _filename(part), ctype, (), found, budget, depth, fwd, zip_depth=0)
        elif inner is not None:
            _forward(inner, _filename(part), found, budget, depth + 1, fwd + 1)
        return
    if isinstance(payload, list):
        children = [c for c in payload if isinstance(c, Message)]
        chosen = _alternative_choice(children) if ctype == "multipart/alternative" else None
        for index, child in enumerate(children):
            _walk(child, found, budget, depth + 1, fwd,
                  body_ok and (chosen is None or index == chosen))
        return
    _leaf(part, ctype, found, budget, depth, fwd, body_ok)


def _leaf(part: Message, ctype: str, found: _Found, budget: _Budget, depth: int, fwd: int,
          body_ok: bool) -> None:
    filename = _filename(part)
    data = _payload_bytes(part, budget.lifted)
    is_text = ctype in _BODY_TYPES or ctype.startswith("multipart/")  # boundary-less multipart
    if is_text and filename is None and _disposition(part) != "attachment":
        # A text part of an alternative we did not choose is another rendering of the
        # body, not a file; a text part we did choose is body text.
        if body_ok:
            found.bodies.append(_part_text(part, data, ctype))
        return
    cid = part.get("Content-ID")
    _file(data, filename, ctype, (), found, budget, depth, fwd, zip_depth=0,
          content_id=str(cid).strip() if cid else None)


def _alternative_choice(children: list[Message]) -> int | None:
    """Index of the alternative whose text is the body: plain text first, else HTML."""
    kinds = []
    for child in children:
        ctype = _content_type(child)
        inner = child.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message) \
                and ctype not in _FORWARD_TYPES:
            ctype = _content_type(inner[0])        # multipart/related around the HTML
            child = inner[0]
        kinds.append((ctype, child))
    for index, (ctype, child) in enumerate(kinds):
        if ctype == "text/plain" and _part_text(child, _payload_bytes(child), ctype).strip():
            return index
    for index, (ctype, _child) in enumerate(kinds):
        if ctype == "text/html":
            return index
    return None


def _file(data: bytes, filename: str | None, declared: str, path: tuple[str, ...],
          found: _Found, budget: _Budget, depth: int, fwd: int, zip_depth: int,
          content_id: str | None = None) -> None:
    """A file found at ``path``: a zip is opened, a message parsed, anything else kept."""
    kind = detect_type(data, filename, declared)
    if kind == "zip":
        return _expand_zip(data, filename, declared, path, found, budget, depth, fwd, zip_depth)
    if kind == "tnef":
        return _expand_tnef(data, filename, declared, path, found, budget, depth, fwd, zip_depth)
    if kind == "rfc822":
        try:
            inner = BytesParser(policy=_POLICY).parsebytes(data)
        except Exception:
            return _add(found, budget, Document(filename, declared, kind, data, path,
                                                "unreadable_message"))
        return _forward(inner, filename, found, budget, depth + 1, fwd + 1, path, data)
    _add(found, budget, Document(filename, declared, kind, data, path, content_id=content_id))


def _forward(inner: Message, filename: str | None, found: _Found, budget: _Budget,
             depth: int, fwd: int, path: tuple[str, ...] = (), data: bytes | None = None,
             ) -> None:
    """Parse an attached message into ``forwarded`` and lift its files to this level."""
    if fwd > budget.limits.max_forward_depth or depth > budget.limits.max_depth:
        found.problem("nesting_too_deep")
        raw = data if data is not None else _as_bytes(inner)
        return _add(found, budget, Document(filename, "message/rfc822", "rfc822", raw, path,
                                            "nesting_too_deep"))
    nested = _message(inner, budget, depth, fwd)
    found.forwarded.append(nested)
    container = nested.subject or filename or "(forwarded message)"
    for doc in nested.documents:
        found.documents.append(replace(doc, path=path + (container,) + doc.path))
    for name in nested.problems:
        found.problem(name)


def _add(found: _Found, budget: _Budget, doc: Document) -> None:
    budget.documents += 1
    if budget.documents > budget.limits.max_documents:
        return found.problem("too_many_documents")
    found.documents.append(doc)


# --------------------------------------------------------------------- zip

def _expand_zip(data: bytes, filename: str | None, declared: str, path: tuple[str, ...],
                found: _Found, budget: _Budget, depth: int, fwd: int, zip_depth: int) -> None:
    limits = budget.limits

    def whole(problem: str) -> None:
        _add(found, budget, Document(filename, declared, "zip", data, path, problem))

    if zip_depth >= limits.zip_max_depth:
        return whole("zip_nesting_too_deep")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if not i.is_dir() and not is_junk(i)]
    except Exception:
        return whole("zip_unreadable")
    problem = archive_bounds_problem(members, limits, used=budget.zip_bytes)
    if problem:
        return whole(problem)
    inner_path = path + (filename or "archive.zip",)
    for info in members:
        name = _safe_filename(member_name(info)) or "unnamed"
        if info.flag_bits & 0x1:
            _add(found, budget, Document(name, "", "unknown", b"", inner_path,
                                         "zip_encrypted_member"))
            continue
        try:
            with archive.open(info) as handle:
                content = handle.read(limits.zip_max_member + 1)
        except Exception:  # bad CRC, unsupported method (deflate64, AES), truncation
            _add(found, budget, Document(name, "", "unknown", b"", inner_path,
                                         "zip_member_unreadable"))
            continue
        budget.zip_bytes += len(content)
        _file(content, name, "", inner_path, found, budget, depth, fwd, zip_depth + 1)


def _expand_tnef(data: bytes, filename: str | None, declared: str, path: tuple[str, ...],
                 found: _Found, budget: _Budget, depth: int, fwd: int, zip_depth: int) -> None:
    """winmail.dat: its files are walked like attachments, its body joins the body text."""
    if zip_depth >= budget.limits.zip_max_depth:
        return _add(found, budget, Document(filename, declared, "tnef", data, path,
                                            "tnef_nesting_too_deep"))
    content = tnef.unpack(data)
    if content.problem:
        return _add(found, budget, Document(filename, declared, "tnef", data, path,
                                            content.problem.split(" ")[0]))
    if content.body.strip():
        found.bodies.append(content.body)
    inner_path = path + (filename or "winmail.dat",)
    for name, payload in content.files:
        _file(payload, _safe_filename(name) if name else None, "", inner_path, found, budget,
              depth, fwd, zip_depth + 1)


# ------------------------------------------------------------- part helpers

def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: Message) -> str | None:
    """File name from Content-Disposition, else Content-Type ``name``; decoded leniently."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        try:
            value = part.get_param(param, header=header)
        except Exception:
            continue
        if isinstance(value, tuple):              # RFC 2231: (charset, language, text)
            charset, _language, text = value
            try:
                value = decode_text(text.encode("latin-1", "surrogateescape"),
                                    charset or "utf-8")
            except UnicodeError:
                value = text
        name = _safe_filename(decode_header(value)) if value else None
        if name:
            return name
    return None


def _safe_filename(name: str) -> str | None:
    """Last path component only: names like C:\\Users\\x\\skjema.pdf come from Outlook."""
    base = re.split(r"[\\/]", name.strip().strip('"'))[-1]
    base = unicodedata.normalize("NFC", _CONTROL.sub("", base)).strip()
    return base or None


def _payload_bytes(part: Message, lifted: Lifted | None = None) -> bytes:
    if lifted is not None and (found := lifted.decoded(part.get_payload())) is not None:
        return found
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message, data: bytes, ctype: str) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    if ctype == "text/html":
        return html_to_text(decode_text(data, charset or html_charset(data)))
    return decode_text(data, charset)


def _base64_message(part: Message, inner: Message | None, lifted: Lifted | None = None,
                    ) -> bytes | None:
    """The bytes of a message/rfc822 part sent base64-encoded (RFC 2046 forbids it, some
    archive systems do it): the parser saw a header-less message of base64 text."""
    cte = str(part.get("content-transfer-encoding") or "").strip().lower()
    if cte != "base64" or inner is None or inner.keys():
        return None
    text = inner.get_payload()
    if lifted is not None and (found := lifted.decoded(text)) is not None:
        return found
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text.encode("ascii", "surrogateescape"))
    except (binascii.Error, ValueError):
        return None


def _as_bytes(msg: Message) -> bytes:
    try:
        return msg.as_bytes(policy=policy.compat32)
    except Exception:
        return b""


def _fallback(raw: object, problem: str) -> ParsedMessage:
    """The best we can say about bytes the MIME walk could not get through."""
    data = bytes(raw) if isinstance(raw, (bytes, bytearray, memoryview)) else b""
    try:
        head = BytesHeaderParser(policy=_POLICY).parsebytes(data)
        pairs = _header_pairs(head)
    except Exception:
        pairs = []
    found = _Found(problems=[problem])
    # The whole message as one unreadable document, so review sees that files may be missing.
    found.documents.append(Document(None, "message/rfc822", "rfc822", data, (), problem))
    try:
        return _assemble(pairs, found)
    except Exception:
        return _assemble([], found)
