"""What the envelope says about who sent a message, and whether to answer it at all.

Authentication comes from the receiving server's Authentication-Results headers
(RFC 8601). Anyone can write such a header into a message, so when authserv-ids are
configured as ours only their headers are read (a pass or a fail from anyone else is
ignored). With none configured no pass is believed, and a fail is still believed,
because forging a fail only hurts the forger.

Whose mail it is: the From domain's municipalities (its own trusted domains), else the
municipalities a configured intermediary (an inter-municipal IT service, an archive
system, KS) sends for. A forwarded message's From narrows that set and never widens
it: an inner From of a municipality counts only inside what the outer sender is
trusted for. A domain that imitates a municipality's (a swapped TLD, a hyphen more or
less, "kommune" misspelt, look-alike letters or digits, punycode) is named in
``lookalike_of``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parsers.textnorm import fold, levenshtein
from parsers.types import ParsedMessage, SenderCheck

# Parents too broad to prove anything: a DKIM signature by "kommune.no" would align
# with every municipality's domain under it.
_SHARED_SUFFIXES = frozenset({"kommune.no", "fylkeskommune.no", "herad.no", "no"})

_AUTO_SUBJECT = re.compile(
    r"^(?:(?:re|sv|vs|aw|fw|fwd)\s*:\s*)*(?:automatisk svar|autosvar|fravaersmelding"
    r"|out of (?:the )?office|automatic reply|auto[- ]?reply|abwesenheitsnotiz|franvaro)"
)
_REPORT_SUBJECT = re.compile(
    r"undeliverable|undelivered mail|delivery status notification|delivery failure"
    r"|mail delivery failed|returned mail|failure notice|unzustellbar|non remis"
    # Outlook's Norwegian bounces; anchored, as a person could write these words.
    r"|^(?:ikke levert|kan ikke leveres|levering mislyktes)\b"
)
_REPORT_SENDERS = frozenset({"mailer-daemon", "postmaster"})
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply")
_FALSE_VALUES = frozenset({"", "no", "false", "0"})
_PAIR_RE = re.compile(r'([A-Za-z0-9_.-]+(?:/\d+)?)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)')


@dataclass(frozen=True)
class AuthResult:
    """One "method=result" from an Authentication-Results header."""

    authserv_id: str
    method: str                        # "dkim", "spf", "dmarc", ...
    result: str                        # "pass", "fail", "none", ...
    props: tuple[tuple[str, str], ...] = ()   # ("header.d", "example.no"), ...

    def prop(self, name: str) -> str | None:
        return next((v for k, v in self.props if k == name), None)


def check_sender(msg: ParsedMessage, *, domain_numbers: Mapping[str, frozenset[str]],
                 authserv_ids: Sequence[str],
                 intermediaries: Mapping[str, frozenset[str]] | None = None,
                 lookalikes: Mapping[str, str] | None = None) -> SenderCheck:
    """Sender domain, its municipalities, authentication and auto/bulk/bounce flags.

    ``intermediaries`` maps a domain to the municipalities it may send for;
    ``lookalikes`` is ``lookalike_index`` of every municipality's trusted domains.
    """
    domain = _domain_of(msg.from_address)
    results = _counted_results(msg, authserv_ids)
    authenticated, verdict = _verdict(results, domain, trust_pass=bool(authserv_ids))
    outer = _numbers_for(domain, domain_numbers) or _numbers_for(domain, intermediaries or {})
    inner = [_domain_of(a) for a in forwarded_from(msg)]
    inner_numbers = frozenset().union(*(_numbers_for(d, domain_numbers) for d in inner))
    imitated = [lookalike_of(d, lookalikes or {}, domain_numbers, intermediaries or {})
                for d in [domain] + inner]
    numbers = (outer & inner_numbers) if inner_numbers else outer
    colleagues = tuple((a, found & numbers) for a in forwarded_from(msg)
                       if (found := _numbers_for(_domain_of(a), domain_numbers)) & numbers)
    return SenderCheck(
        address=msg.from_address,
        domain=domain,
        domain_numbers=numbers,
        forwarded_from=colleagues,
        authenticated=authenticated,
        auth_detail=verdict,
        auto_reply=is_auto_reply(msg),
        bulk=is_bulk(msg),
        delivery_report=is_delivery_report(msg),
        lookalike_of=next((d for d in imitated if d), None),
    )


def _domain_of(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].strip(" <>[]").rstrip(".").lower()
    return domain or None


def _numbers_for(domain: str | None, table: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Numbers of the most specific listed domain that is ``domain`` or a parent of it."""
    if not domain:
        return frozenset()
    lowered = {d.lower().rstrip("."): n for d, n in table.items()}
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in lowered:
            return frozenset(lowered[candidate])
    return frozenset()


# ------------------------------------------------------------ auto / bulk / DSN

def _header_word(value: str) -> str:
    """The first token of a header value, without comments or parameters."""
    return _strip_comments(value).split(";")[0].strip().lower()


def is_auto_reply(msg: ParsedMessage) -> bool:
    """RFC 3834 and vendor markers, or a subject only autoresponders write.

    X-Auto-Response-Suppress alone is not one: Outlook puts it on ordinary mail too.
    """
    if any(_header_word(v) not in _FALSE_VALUES for v in msg.header_values("Auto-Submitted")):
        return True
    for name in _AUTO_HEADERS:
        if any(_header_word(v) not in _FALSE_VALUES or not v.strip()
               for v in msg.header_values(name)):
            return True
    if any(_header_word(v) == "auto_reply" for v in msg.header_values("Precedence")):
        return True
    return bool(_AUTO_SUBJECT.match(fold(msg.subject)))


def is_bulk(msg: ParsedMessage) -> bool:
    if any(_header_word(v) in {"bulk", "list", "junk"} for v in msg.header_values("Precedence")):
        return True
    return bool(msg.header_values("List-Id") or msg.header_values("List-Unsubscribe"))


def is_delivery_report(msg: ParsedMessage) -> bool:
    if any(_header_word(v) == "multipart/report" for v in msg.header_values("Content-Type")):
        return True
    local = (msg.from_address or "").split("@")[0].lower()
    if local in _REPORT_SENDERS:
        return True
    return bool(_REPORT_SUBJECT.search(fold(msg.subject)))


# ------------------------------------------------------ Authentication-Results

def _strip_comments(value: str) -> str:
    """Remove RFC 5322 comments "(...)", nested, leaving quoted strings alone."""
    out, depth, quoted, escaped = [], 0, False, False
    for ch in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
        elif quoted:
            quoted = ch != '"'
            out.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            quoted = ch == '"'
            out.append(ch)
    return "".join(out)


def _split_outside_quotes(value: str, sep: str) -> list[str]:
    parts, current, quoted = [], [], False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def parse_authentication_results(value: str) -> tuple[str, tuple[AuthResult, ...]]:
    """(authserv-id, results) from one header value; tolerant of folding and comments."""
    text = _strip_comments(re.sub(r"\r?\n[ \t]*", " ", value))
    parts = _split_outside_quotes(text, ";")
    head = parts[0].strip()
    if "=" in head:          # no authserv-id: a broken header; keep its results anyway
        authserv_id, body = "", parts
    else:
        authserv_id, body = (head.split() or [""])[0].lower(), parts[1:]
    results: list[AuthResult] = []
    for part in body:
        current: list = []
        for key, val in _PAIR_RE.findall(part):
            key, val = key.lower(), val.strip('"')
            # A key without a dot ("spf", not "smtp.mailfrom") starts the next result;
            # some servers forget the ";" between results.
            if "." not in key and key not in {"reason", "action"}:
                if current:
                    results.append(_result(authserv_id, current))
                current = [key.split("/")[0], val.lower()]
            elif current:
                current.append((key, val.lower()))
        if current:
            results.append(_result(authserv_id, current))
    return authserv_id, tuple(results)


def _result(authserv_id: str, parts: list) -> AuthResult:
    return AuthResult(authserv_id, parts[0], parts[1], tuple(parts[2:]))


def _counted_results(msg: ParsedMessage, authserv_ids: Sequence[str]) -> list[AuthResult]:
    trusted = {a.lower() for a in authserv_ids}
    results: list[AuthResult] = []
    for value in msg.header_values("Authentication-Results"):
        authserv_id, parsed = parse_authentication_results(value)
        if trusted and authserv_id not in trusted:
            continue
        results.extend(parsed)
    return results


def _aligned(signing_domain: str | None, from_domain: str | None) -> bool:
    if not signing_domain or not from_domain:
        return False
    d = signing_domain.lower().rstrip(".")
    if d == from_domain:
        return True
    return from_domain.endswith("." + d) and "." in d and d not in _SHARED_SUFFIXES


def _verdict(results: list[AuthResult], domain: str | None, *, trust_pass: bool
             ) -> tuple[bool | None, str]:
    if not results:
        return None, "no usable Authentication-Results"
    shown = ", ".join(_describe(r) for r in results)

    def has(method: str, result: str) -> list[AuthResult]:
        return [r for r in results if r.method == method and r.result == result]

    aligned_dkim = trust_pass and any(
        _aligned(r.prop("header.d") or _domain_of(r.prop("header.i")), domain)
        for r in has("dkim", "pass"))
    if has("dmarc", "fail"):
        return False, f"{shown}: not authenticated (dmarc=fail)"
    if has("spf", "fail") and not aligned_dkim:
        return False, f"{shown}: not authenticated (spf=fail, no aligned dkim=pass)"
    if trust_pass and any(r.prop("header.from") in (None, domain) for r in has("dmarc", "pass")):
        return True, f"{shown}: authenticated (dmarc=pass)"
    if aligned_dkim:
        return True, f"{shown}: authenticated (dkim=pass aligned with From)"
    why = "" if trust_pass else " (no trusted authserv-id: passes not believed)"
    return None, f"{shown}: unknown{why}"


def _describe(r: AuthResult) -> str:
    keys = {"dkim": "header.d", "spf": "smtp.mailfrom", "dmarc": "header.from"}
    prop = r.prop(keys.get(r.method, ""))
    where = f" {keys[r.method]}={prop}" if prop else ""
    return f"{r.authserv_id or '?'} {r.method}={r.result}{where}"


# ------------------------------------------------------------------ forwards

_QUOTED_FROM = re.compile(r"^[ \t>*]*(?:from|fra|von)[ \t]*:[ \t]*(.+)$", re.I | re.M)
# A quoted header block (Outlook, Gmail, Apple Mail, Notes) has one of these right below
# its From line; a sentence that starts "Fra:" does not.
_QUOTED_NEXT = re.compile(r"^[ \t>*]*(?:sent|sendt|date|dato|to|til|subject|emne|an|gesendet)"
                          r"[ \t]*:", re.I)
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
MAX_QUOTED_LINES = 3


def forwarded_from(msg: ParsedMessage) -> list[str]:
    """From addresses of the messages this one forwards or quotes, at any depth."""
    found: list[str] = []
    for inner in msg.forwarded:
        if inner.from_address:
            found.append(inner.from_address)
        found += forwarded_from(inner)
    lines = (msg.body_text or "").splitlines()
    for index, line in enumerate(lines):
        match = _QUOTED_FROM.match(line)
        if not match:
            continue
        following = lines[index + 1:index + 1 + MAX_QUOTED_LINES]
        if any(_QUOTED_NEXT.match(f) for f in following):
            address = _ADDRESS.search(match.group(1))
            if address:
                found.append(address.group(0).lower())
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------- lookalikes

# Letters from other scripts that render like Latin ones (the common part of Unicode's
# confusables list for the letters of Norwegian domain names).
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ɡ": "g", "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ρ": "p", "υ": "u",
    "ε": "e", "ı": "i", "ℓ": "l",
})
# Digits and letter pairs read as another letter; i, l and 1 are one class because each
# passes for the others.
_DIGITS = str.maketrans({"0": "o", "1": "l", "i": "l", "3": "e", "4": "a", "5": "s",
                         "7": "t", "8": "b", "9": "g"})
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_WORDS = ("kommune", "herad")


def _label_word(label: str) -> str:
    """``label``, or the word it misspells by one edit or one swap ("kommnue")."""
    for word in _WORDS:
        if levenshtein(label, word, 1) is not None:
            return word
        if sorted(label) == sorted(word) and levenshtein(label, word, 2) is not None:
            return word
    return label


def domain_skeleton(domain: str) -> str:
    """What a domain looks like to a reader: its TLD, hyphens and dots do not count."""
    labels = []
    for label in domain.lower().rstrip(".").split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        labels.append(label)
    if len(labels) > 1:
        labels = labels[:-1]              # the TLD: .com for .no is the classic swap
    text = fold(".".join(labels).translate(_CONFUSABLES)).translate(_CONFUSABLES)
    words = [_label_word(w) for w in re.split(r"[.\-]+", text) if w]
    text = "".join(words).translate(_DIGITS)
    for pair, letter in _PAIRS:
        text = text.replace(pair, letter)
    return re.sub(r"(.)\1+", r"\1", text)   # doubled letters: kommmune, stavvanger


def lookalike_index(domains: Sequence[str]) -> dict[str, str]:
    """Skeleton -> trusted domain, for ``lookalike_of``."""
    return {domain_skeleton(d): d.lower().rstrip(".") for d in sorted(domains)}


def lookalike_of(domain: str | None, index: Mapping[str, str],
                 domain_numbers: Mapping[str, frozenset[str]],
                 intermediaries: Mapping[str, frozenset[str]]) -> str | None:
    """The trusted domain that ``domain`` (or a parent of it) imitates, if any."""
    if not domain or not index:
        return None
    if _numbers_for(domain, domain_numbers) or _numbers_for(domain, intermediaries):
        return None
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in index.values():
            return None                 # a trusted domain shared by two municipalities
        imitated = index.get(domain_skeleton(candidate))
        if imitated and imitated != candidate:
            return imitated
    return None
