"""What a document is (form, minutes, cover letter, decline) and what a mail body says.

Rules are phrase lists over folded text (case and diacritics ignored), Bokmål and
Nynorsk side by side. A negation only counts as a decline when it is about signing or
joining: every form says "Erklæringen er ikke juridisk bindende", which declines nothing.
"""
from __future__ import annotations

import re

from parsers.textnorm import fold, text_lines
from parsers.types import DocKind

_DECLARATION_WORD = re.compile(r"intensjonserklaering|erklaeringa? om akson")
# The statement the form makes ("X kommune stiller seg bak arbeidet med Akson").
_STATEMENT = re.compile(
    r"stiller seg bak|stiller seg positiv|slutt(?:er|ar) seg til|\bsin? tilslutn(?:ing|ad)"
    r"|gir tilslutn(?:ing|ad)|st(?:otter|ottar|or) (?:opp om )?(?:arbeidet|malet)"
    r"|\b(?:erklaerer|stadfester|stadfestar|bekrefter) (?:med dette|herved)\b"
    r"|\bved a (?:signere|skrive under|underteikne|undertegne) denne erklaeringa?"
    r"|\bonsk(?:er|jer) a (?:vaere|vere) med\b|\bonsk(?:er|jer) a delta\b"
)
# Fields only the form has, each at the start of a line (or a table cell).
_FORM_FIELDS = {
    "place_date": re.compile(r"(?m)^\s*(?:sted|stad)\s*(?:og|/|,)?\s*dato\b"),
    "signature": re.compile(r"(?m)^\s*(?:underskrift|signatur)\b"),
    "name": re.compile(r"(?m)^\s*na[vm]n\b\s*[:.]?(?:\s|$)"),
    "title": re.compile(r"(?m)^\s*(?:tittel|stilling)\b"),
    "municipality": re.compile(r"(?m)^\s*kommune(?:\s*:|\s*$)"),
}
_MINUTES_TITLE = re.compile(
    r"saksprotokoll|motebok|moteprotokoll|saerutskrift|utskrift av (?:mote|sak)"
    r"|protokoll (?:fra|fra) |moteutskrift"
)
_DECISION_WORD = re.compile(
    r"\b(?:vedtak|innstilling|tilrading|votering|avroysting|roysting|behandling|handsaming"
    r"|forslag til vedtak|enstemmig|samroystes)\b"
)
_COUNCIL = re.compile(
    r"\b(?:kommunestyre|bystyre|heradsstyre|formannskap|kommunestyret|bystyret"
    r"|heradsstyret|formannskapet|eldrerad\w*|hovudutval\w*|hovedutvalg\w*)\b"
)
_COVER_WORDS = re.compile(
    r"folgebrev|folgjebrev|oversending|oversendelse|oversend(?:er|ar|t)\b|\bvedlagt\b"
    r"|\bviser til\b|\bvedlegg\s*:|\bvar ref\b|\b(?:deres|dykkar) ref\b"
)
_FILENAME_KINDS = (
    (re.compile(r"protokoll|motebok|vedtak|saerutskrift"), DocKind.MINUTES),
    (re.compile(r"folgebrev|folgjebrev|oversending|oversendelse"), DocKind.COVER_LETTER),
    (re.compile(r"erklaering|signert|underskrevet|underskriven"), DocKind.DECLARATION),
)
# Below this many letters a text layer is a stamp or a page number, not the document,
# and the filename is the better witness.
_MIN_TEXT_LETTERS = 40

# ------------------------------------------------------------------- declines

_NEG = r"(?:ikke|ikkje)"
# Adverbs and auxiliaries that may stand between the negation and the verb
# ("vil dessverre ikke kunne signere"); anything else breaks the link.
_GAP = (
    r"(?:(?:dessverre|lenger|lengre|enno|enna|forelopig|heller|kunne|kan|vil|ville|skal|ha"
    r"|likevel|derfor|difor|dermed|no|na)\s+){0,2}"
)
_JOIN = (
    r"(?:signer(?:e|er|a|ar)|underskriv(?:e|er)|undertegn(?:e|er)|underteikn(?:e|a|ar)"
    r"|skriv(?:e|er|a)? under"
    r"|slutte seg|slutta seg|stille seg bak|tiltre|tilslutte seg|gi (?:sin )?tilslutning"
    r"|ga inn for|ga (?:videre|vidare) med"
    r"|delta (?:vidare |videre )?i (?:det (?:vidare|videre) )?"
    r"(?:arbeidet|akson|samarbeidet|prosjektet|forprosjekt\w*)"
    r"|v(?:ae|e)re med)"
)
_DECLINE_PATTERNS = tuple(re.compile(p) for p in (
    rf"\b{_NEG}\s+{_GAP}(?:til\s+)?(?:a\s+)?{_JOIN}\b",     # "kjem ikkje til å skrive under"
    rf"\b(?:signerer|signerar|underteiknar|undertegner|underskriver|slutter seg|sluttar seg"
    rf"|stiller seg|tiltrer|deltar|deltek)"
    rf"\s+(?:(?:derfor|difor|dermed|dessverre|herved|hermed|med dette)\s+)?{_NEG}\b",
    rf"\bskriv(?:er)?\s+(?:(?:derfor|difor|dessverre)\s+)?{_NEG}\s+under\b",
    r"\btakk(?:er|ar|e|a)\s+nei\b",
    r"\b(?:sier|seier|sa|sei)\s+nei\b",
    r"\bnei til (?:a |aa )?(?:signere|underteikne|intensjonserklaering\w*|akson|deltak\w*)",
    rf"\bavsta(?:r|tt)?\s+(?:fra|fraa|fra)\s+a\s+{_JOIN}",
    rf"\bga(?:r)?\s+{_NEG}\s+inn\s+for\b",
    rf"\b{_NEG}\s+(?:pa|paa)\s+(?:navaerende|noverande)\s+tidspunkt",
    # "tar ikke stilling" alone may be the form's own caveat; not deciding *now* is not.
    rf"\b(?:tar|tek)\s+{_NEG}\s+stilling\b[^.?!]{{0,60}}\b(?:pa|paa)\s+(?:navaerende|noverande)\s+tidspunkt",
    rf"\bforelopig\s+{_NEG}\s+(?:\w+\s+){{0,2}}(?:signert|underteikna|underskrevet|undertegnet"
    rf"|behandlet|handsama|vedtatt|vedteke|tatt stilling|teke stilling)\b",
    rf"\b{_NEG}\s+{_GAP}(?:a\s+)?(?:ta|tatt|tar|teke|tek)\s+stilling\b",
))
# A time to come: after the summer, in the autumn, at the next meeting, a later month.
_LATER = (
    r"(?:etter|til|i|over|utpa|ut pa|pa)\s+(?:(?:sommeren|sommaren|ferien|sommerferien|sommarferien"
    r"|hosten|hausten|nyttar|neste mote|eit seinare mote|et senere mote|august|september|oktober"
    r"|november|desember)\b|et senere tidspunkt|eit seinare tidspunkt)"
)
# Postponing is not declining: the council will decide later ("Saken utsettes", "vi vil
# vente med å signere"), so such a text stays a council decision for staff to follow up.
_POSTPONE_PATTERNS = tuple(re.compile(p) for p in (
    rf"\bvent(?:e|a|er|ar)\s+med\s+(?:a\s+)?{_JOIN}",
    r"\bavvent\w*\s+(?:\w+\s+){0,3}(?:signering\w*|underteikning\w*|underskrift\w*|behandling\w*"
    r"|handsaming\w*|\w*erklaering\w*)",
    # Deciding later: "tek stilling etter sommaren", "saka vert handsama i august".
    rf"\b(?:tar|tek|ta|tatt|teke)\s+stilling\b[^.?!]{{0,60}}\b{_LATER}",
    rf"\b(?:behandles|handsamast|tas opp|takast opp|vil bli behandlet|skal behandles|blir handsama"
    rf"|vert handsama|vil bli handsama)\b[^.?!]{{0,40}}\b{_LATER}",
    r"\bkom(?:mer|e)\s+tilbake\s+(?:til|med)\s+(?:saken|saka|svar|erklaering\w*)\b",
    # "will not sign until the council has dealt with it": not yet, rather than no.
    rf"\b(?:{_NEG}\s+{_GAP}(?:a\s+)?{_JOIN}|skriv(?:er)?\s+{_NEG}\s+under"
    rf"|(?:signerer|signerar|underteiknar|undertegner)\s+{_NEG})\b[^.?!]{{0,50}}\b(?:for|inntil|til)\s+"
    r"(?:kommunestyret|heradsstyret|bystyret|formannskapet|saken|saka)\s+(?:har|er|blir|vert)\b",
))
# Sentences that report a motion, not what was decided ("Representanten X fremmet forslag
# om at kommunen ikke signerer"): a motion may well have been voted down.
_MOTION = re.compile(
    r"\b(?:representanten|fremmet|fremja|fremma|sette fram|satte fram|sette fremma)\b"
    r"|\b(?:forslag|framlegg|tilleggsforslag|utsettelsesforslag) om\b"
)
# Postponing: a form of "utsette" near the thing postponed ("saka vert utsett").
_POSTPONE = re.compile(r"\b(?:utsett|utset|utsetter|utsettes|utsatt|utsette|utsetja|utsetje)\b")
_POSTPONED_THING = re.compile(
    r"\b(?:sak|saka|saken|signering\w*|behandling\w*|handsaming\w*|avgjerd\w*|beslutning\w*"
    r"|vedtak\w*|\w*erklaering\w*|underskrift\w*|underteikning\w*)\b"
)
_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# ------------------------------------------------------------------ questions

_QUESTION_PHRASES = re.compile(
    r"\blurer (?:pa|paa)\b|\bsporsmal\b|\bber om (?:ei |en )?avklaring\b"
    r"|\bonsk(?:er|jer) (?:ei |en )?avklaring\b|\bkan (?:de|dere|dykk) (?:bekrefte|stadfeste)\b"
)
_REPLY_PREFIX = re.compile(r"^(?:(?:re|sv|vs|fw|fwd|aw|wg)\s*:\s*)+")
_QUOTE_START = re.compile(
    r"^(?:-{2,}\s*(?:original message|opprinnelig melding|videresendt melding|forwarded message)"
    r"|(?:fra|from)\s*:.*|.*\b(?:skrev|wrote|skreiv)\s*:\s*)$"
)
_URL = re.compile(r"\S+://\S+|www\.\S+")

_CLAIM = re.compile(
    r"\b(?:signerer|signerar|underteiknar|undertegner|underskriver|slutter|sluttar|stiller)\b"
    r"[^.?!\n]{0,60}\b(?:herved|hermed|med dette)\b"
    r"|\b(?:herved|hermed|med dette)\s+(?:signert|signerer|underteikna|underteiknar|undertegnet"
    r"|underskrevet|gitt tilslutning|tilslutning)\b"
    r"|\bgir (?:herved |hermed |med dette )?(?:sin )?tilslutning\b"
    r"|\b(?:bekrefter|stadfester|stadfestar)\b[^.?!\n]{0,80}\b(?:signerer|signerar|underteiknar"
    r"|undertegner|slutter seg til|sluttar seg til|stiller seg bak)\b"
)


def classify_document(text: str, filename: str | None) -> DocKind:
    """What one document looks like, from its text (and its filename when text is thin)."""
    folded = _fold_lines(text)
    if sum(ch.isalpha() for ch in folded) < _MIN_TEXT_LETTERS:
        return _kind_from_filename(filename)
    has_word = bool(_DECLARATION_WORD.search(folded))
    has_statement = bool(_STATEMENT.search(folded))
    fields = {name for name, field in _FORM_FIELDS.items() if field.search(folded)}
    # The form is known by its fields: a "Sted og dato" line, or two other fields, or one
    # field under the form's statement. The wording above them varies from form to form.
    is_form = has_word and ("place_date" in fields or len(fields) >= 2 or (has_statement and fields))
    if is_form:
        # A scan of minutes and form together is judged by the form: its signers and
        # date are what a decision needs; the minutes can only back it up.
        return DocKind.DECLARATION
    if _is_minutes(folded):
        return DocKind.MINUTES
    if declines(text):
        return DocKind.DECLINE
    if _COVER_WORDS.search(folded):
        return DocKind.COVER_LETTER
    if has_word and has_statement:
        return DocKind.DECLARATION
    return DocKind.OTHER


def _fold_lines(text: str) -> str:
    """Fold cell by cell, keeping the line breaks the field patterns anchor on."""
    return "\n".join(fold(line) for line in text_lines(text))


def _is_minutes(folded: str) -> bool:
    decisions = {m.group(0) for m in _DECISION_WORD.finditer(folded)}
    council = bool(_COUNCIL.search(folded))
    if _MINUTES_TITLE.search(folded):
        return bool(decisions) or council
    # Untitled minutes still show the decision-making: a council and how it voted.
    return council and len(decisions) >= 2 and "vedtak" in decisions


def _kind_from_filename(filename: str | None) -> DocKind:
    name = fold(filename or "")
    for pattern, kind in _FILENAME_KINDS:
        if pattern.search(name):
            return kind
    return DocKind.OTHER


def _sentences(text: str) -> list[str]:
    """Folded sentences; lines inside a paragraph are joined (PDFs wrap mid-sentence)."""
    return [s for para in _PARAGRAPH.split(text)
            for s in _SENTENCE_END.split(fold(para)) if s.strip()]


def _statements(text: str) -> list[str]:
    """Sentences that state something: questions and reported motions left out."""
    return [s for s in _sentences(text) if not s.rstrip().endswith("?") and not _MOTION.search(s)]


def declines(text: str) -> bool:
    """True when the text says the municipality will not sign, now or at all.

    "Kan vi ikkje signere elektronisk?" asks and declines nothing; postponing is told
    apart by ``postpones``.
    """
    return any(p.search(s) for s in _statements(text) for p in _DECLINE_PATTERNS)


def postpones(text: str) -> bool:
    """True when the decision is put off ("Saken utsettes", "vi vil vente med å signere")."""
    for sentence in _statements(text):
        if any(p.search(sentence) for p in _POSTPONE_PATTERNS):
            return True
        # "fristen er utsatt" is the ministry's deadline, not a postponement.
        word = _POSTPONE.search(sentence)
        if word and _POSTPONED_THING.search(sentence) and "frist" not in sentence \
                and not re.match(rf"\s+{_NEG}\b", sentence[word.end():]):
            return True
    return False


def own_text(body: str) -> str:
    """The part of a mail body the sender wrote: quoted replies and forwards cut off."""
    kept = []
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if _QUOTE_START.match(fold(stripped)):
            break
        kept.append(line)
    return "\n".join(kept)


def is_question(subject: str, body: str) -> bool:
    """True when the sender asks something (rather than sends or answers)."""
    subj = _REPLY_PREFIX.sub("", fold(subject))
    if subj.startswith("sporsmal") or subj.rstrip().endswith("?"):
        return True
    text = _URL.sub(" ", own_text(body))
    if _QUESTION_PHRASES.search(fold(text)):
        return True
    return any(s.rstrip().endswith("?") for s in _sentences(text))


def claims_signed_in_body(body: str) -> bool:
    """True when the mail itself declares signing ("Gran kommune signerer herved ...")."""
    text = own_text(body)
    if declines(text):
        return False
    return any(_CLAIM.search(s) and not s.rstrip().endswith("?") and not re.search(rf"\b{_NEG}\b", s)
               for s in _sentences(text))
