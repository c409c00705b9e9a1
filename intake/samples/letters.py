"""Documents that travel with (or instead of) the declaration: minutes and letters.

- ``minutes_pdf``: a saksprotokoll from formannskap, kommunestyre, bystyre or heradsstyre
  with the innstilling, the vote and the decision (positive, negative, postpone,
  conditional);
- ``cover_letter_pdf``: a følgebrev on letterhead, signed electronically by a rådgiver
  or konsulent, who is not a signer of the declaration;
- ``decline_letter_pdf``: the mayor's letter saying the municipality will not sign.
"""
from __future__ import annotations

import random

from . import wording
from .names import display_title
from .pdfbase import Doc, format_date
from .specs import LetterSpec, MinutesSpec

_INK_GREY = (90, 90, 90)


# --------------------------------------------------------------------------- minutes

def _minutes_info_table(doc: Doc, spec: MinutesSpec, labels: dict[str, str]) -> None:
    rows = (
        (labels["body"], wording.COUNCIL_NAMES[spec.council]),
        (labels["date"], format_date(spec.meeting_date, "dotted")),
        (labels["case"], spec.case_number),
        (labels["archive"], spec.archive_ref),
    )
    for label, value in rows:
        doc.font(10, bold=True)
        doc.pdf.cell(35, 6, doc.t(label))
        doc.font(10)
        doc.pdf.cell(0, 6, doc.t(value), new_x="LMARGIN", new_y="NEXT")
    doc.pdf.ln(6)


def _minutes_treatment(doc: Doc, spec: MinutesSpec, rng: random.Random) -> None:
    """What happened in the meeting: proposals, then the vote."""
    lang = spec.language
    labels = wording.MINUTES_LABELS[lang]
    council = wording.COUNCIL_NAMES[spec.council]
    meeting = format_date(spec.meeting_date, "dotted")
    doc.para(f"{labels['treatment']} i {council.lower()} {meeting}", bold=True, gap=1)
    representative = rng.choice(("Ola Grinde (Sp)", "Kjersti Lund (H)", "Per Arne Vik (Frp)",
                                 "Randi Moen (SV)", "Tor Lie (KrF)"))
    if spec.outcome == "negative":
        doc.para(wording.fill(wording.COUNTER_PROPOSAL[lang], spec.municipality, lang,
                              name=representative))
    elif spec.outcome in ("postpone", "conditional"):
        proposal = wording.POSTPONE_PROPOSAL if spec.outcome == "postpone" else wording.CONDITION_PROPOSAL
        doc.para(wording.fill(proposal[lang], spec.municipality, lang, name=representative))
    adopted = spec.outcome in ("positive", "conditional")
    votes_for = spec.votes_for
    if not adopted and votes_for is None:
        votes_for = 7   # a rejected innstilling is never unanimous in practice
    doc.para(f"{labels['vote']}:", bold=True, gap=1)
    doc.para(wording.vote_text(lang, votes_for, spec.votes_against, adopted))


def minutes_pdf(spec: MinutesSpec) -> bytes:
    """A saksprotokoll for the Akson case as a text PDF."""
    rng = random.Random(spec.seed)
    lang = spec.language
    labels = wording.MINUTES_LABELS[lang]
    council = wording.COUNCIL_NAMES[spec.council]
    doc = Doc([spec.municipality, spec.secretary], created=spec.meeting_date, serif=rng.random() < 0.3)
    doc.para(spec.municipality, size=14, bold=True, gap=0)
    doc.para(labels["heading"], size=18, bold=True, gap=5)
    _minutes_info_table(doc, spec, labels)
    doc.para(wording.MINUTES_CASE_TITLE[lang], size=13, bold=True, gap=4)
    who = wording.DEFINITE_TITLE[lang].get(spec.proposer, spec.proposer)
    doc.para(labels["proposal"].format(who=who), bold=True, gap=1)
    doc.para(wording.fill(wording.MINUTES_PROPOSAL[lang], spec.municipality, lang), gap=5)
    _minutes_treatment(doc, spec, rng)
    doc.para(f"{labels['decision']} i {council.lower()}:", bold=True, gap=1)
    decision = wording.MINUTES_DECISION[lang][spec.outcome]
    doc.para(wording.fill(decision, spec.municipality, lang), gap=10)
    certified = f"{labels['certified']} {format_date(spec.meeting_date, 'dotted')}"
    doc.para(f"{certified}, {spec.secretary}" if spec.secretary else certified, size=9)
    return doc.output()


# --------------------------------------------------------------------------- letters

def _letterhead(doc: Doc, spec: LetterSpec) -> None:
    """Municipality name with a simple emblem, sender unit, and the address at the right."""
    pdf = doc.pdf
    pdf.set_fill_color(*random.Random(spec.seed).choice(((20, 70, 130), (150, 30, 40), (30, 100, 60))))
    pdf.ellipse(22, 16, 11, 13, style="F")       # a stand-in for the coat of arms
    doc.text_at(36, 18, spec.municipality, size=15, bold=True)
    doc.text_at(36, 25, spec.department, size=10)
    pdf.set_text_color(*_INK_GREY)
    address = (spec.street, f"{spec.postcode} {spec.post_place}", f"Tlf. {spec.phone}",
               f"postmottak@{spec.domain}")
    for index, line in enumerate(address):
        doc.text_at(128, 16 + index * 4.5, line, size=8.5, width=60, align="R")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(42)
    for line in wording.RECIPIENT:
        doc.para(line, size=11, gap=0)
    pdf.ln(10)


def _reference_line(doc: Doc, spec: LetterSpec) -> None:
    labels = wording.LETTER_LABELS[spec.language]
    columns = [(labels["our_ref"], spec.our_ref)]
    if spec.your_ref:
        columns.append((labels["your_ref"], spec.your_ref))
    columns += [(labels["officer"], spec.sender.name), (labels["date"], format_date(spec.date, "dotted"))]
    y = doc.pdf.get_y()
    for index, (label, value) in enumerate(columns):
        doc.text_at(22 + index * 42, y, label, size=8)
        doc.text_at(22 + index * 42, y + 4.5, value, size=10, width=41)
    doc.pdf.set_y(y + 16)


def _closing(doc: Doc, spec: LetterSpec, *, electronic: bool, enclosure: str | None) -> None:
    labels = wording.LETTER_LABELS[spec.language]
    doc.para(labels["greeting"], gap=8)
    doc.para(spec.sender.name, gap=0)
    doc.para(display_title(spec.sender.title, spec.language), gap=8)
    if electronic:
        doc.para(wording.ELECTRONIC_APPROVAL[spec.language], size=8.5, gap=3)
    if enclosure:
        doc.para(f"{labels['enclosure']}: {enclosure}", size=10)


def _footer(doc: Doc, spec: LetterSpec) -> None:
    doc.pdf.set_y(-24)
    doc.pdf.set_text_color(*_INK_GREY)
    doc.para(f"{spec.municipality} | {spec.street}, {spec.postcode} {spec.post_place} | "
             f"postmottak@{spec.domain} | www.{spec.domain}", size=7.5, gap=0, align="C")
    doc.pdf.set_text_color(0, 0, 0)


def _letter(spec: LetterSpec, subject: str, paragraphs: list[str], *, electronic: bool,
            enclosure: str | None) -> bytes:
    texts = [spec.municipality, spec.sender.name, spec.post_place, spec.street]
    doc = Doc(texts, created=spec.date, serif=spec.seed % 4 == 0)
    _letterhead(doc, spec)
    _reference_line(doc, spec)
    doc.para(subject, size=12, bold=True, gap=4)
    for paragraph in paragraphs:
        doc.para(paragraph, gap=4)
    doc.pdf.ln(4)
    _closing(doc, spec, electronic=electronic, enclosure=enclosure)
    _footer(doc, spec)
    return doc.output()


def cover_letter_pdf(spec: LetterSpec) -> bytes:
    """A følgebrev: "enclosed is the declaration, signed by the mayor"."""
    lang = spec.language
    signatory = wording.DEFINITE_TITLE[lang].get(spec.signatory_title, spec.signatory_title)
    paragraphs = [wording.fill(p, spec.municipality, lang, signatory=signatory)
                  for p in wording.COVER_BODY[lang]]
    return _letter(spec, wording.COVER_SUBJECT[lang], paragraphs, electronic=True,
                   enclosure="Intensjonserklæring")


def decline_letter_pdf(spec: LetterSpec) -> bytes:
    """The municipality's answer that it will not sign, signed by ``spec.sender``."""
    lang = spec.language
    meeting = format_date(spec.meeting_date or spec.date, "dotted")
    council = wording.COUNCIL_NAMES.get(spec.council, spec.council)
    paragraphs = [wording.fill(p, spec.municipality, lang, council=council, meeting=meeting,
                               case=spec.case_number or "–")
                  for p in wording.DECLINE_BODY[lang]]
    return _letter(spec, wording.DECLINE_SUBJECT[lang], paragraphs, electronic=False, enclosure=None)
