"""The declaration form as a text PDF, in three layouts.

- ``plain``: a letter-like page; the signature image sits above a rule, with the printed
  name and title under it (stacked when there are two signers);
- ``grid``: a bordered table with Kommune / Sted og dato / Underskrift / Navn / Tittel
  (Nynorsk: Stad og dato / Namn), one Underskrift/Navn/Tittel block per signer;
- ``side_by_side``: two signature columns, typically ordfører and kommunedirektør.

No signers gives the unsigned variant: the same page with blank name lines.
"""
from __future__ import annotations

import datetime as dt
import random

from . import wording
from .names import Signer, display_title
from .pdfbase import Doc, format_date
from .signature import scribble_png
from .specs import DeclarationSpec

_SIGNATURE_WIDTH = 50      # mm; a real signature is 4-6 cm wide
_LABEL_WIDTH = 42          # mm; fits "Sted og dato" at 11 pt with padding
_INVITATION_DATE = dt.date(2020, 5, 5)   # creation date of an undated (unsigned) form


def printed_name(signer: Signer, spec: DeclarationSpec) -> str:
    return signer.name.upper() if spec.all_caps else signer.name


def printed_title(signer: Signer, spec: DeclarationSpec) -> str:
    title = display_title(signer.title, spec.language)
    return title.upper() if spec.all_caps and spec.seed % 2 else title.capitalize()


def place_and_date(spec: DeclarationSpec) -> str:
    if spec.signed_on is None:
        return ""
    when = format_date(spec.signed_on, spec.date_style)
    return f"{spec.place}, {when}" if spec.place else when


def _header(doc: Doc, spec: DeclarationSpec, rng: random.Random) -> None:
    lang = spec.language
    if spec.attachment_note:
        doc.para(wording.ATTACHMENT_NOTE[lang], size=8.5, gap=4, align="R")
    doc.para(rng.choice(wording.DECLARATION_TITLES), size=rng.choice((16, 17, 18)), bold=True, gap=1)
    doc.para(rng.choice(wording.DECLARATION_SUBTITLES[lang]), size=12, gap=7)
    bodies = wording.DECLARATION_BODIES[lang]
    for paragraph in bodies[spec.wording % len(bodies)]:
        doc.para(wording.fill(paragraph, spec.municipality, lang), gap=4)
    doc.pdf.ln(rng.choice((4, 8, 12)))


def _signature_block(doc: Doc, spec: DeclarationSpec, signer: Signer | None, x: float,
                     y: float, index: int) -> None:
    """Scribble, rule, then name and title under it; blank lines when unsigned."""
    labels = wording.FORM_LABELS[spec.language]
    if signer is not None:
        doc.signature(scribble_png(spec.seed * 7 + index), x, y, _SIGNATURE_WIDTH)
    doc.rule(x, y + 17, 65)
    if signer is None:
        doc.text_at(x, y + 19, f"{labels['name']}: ______________________", size=10)
        doc.text_at(x, y + 26, f"{labels['title']}: ______________________", size=10)
        return
    doc.text_at(x, y + 19, printed_name(signer, spec))
    doc.text_at(x, y + 25, printed_title(signer, spec))


def _plain(doc: Doc, spec: DeclarationSpec) -> None:
    labels = wording.FORM_LABELS[spec.language]
    doc.para(f"{labels['municipality']}: {spec.municipality}", gap=1)
    doc.para(f"{labels['place_date']}: {place_and_date(spec)}", gap=8)
    signers: list[Signer | None] = list(spec.signers) or [None]
    x = doc.pdf.l_margin + (0 if spec.seed % 3 else 60)   # some put the signature to the right
    for index, signer in enumerate(signers):
        y = doc.pdf.get_y()
        _signature_block(doc, spec, signer, x, y, index)
        doc.pdf.set_y(y + 40)


def _side_by_side(doc: Doc, spec: DeclarationSpec) -> None:
    labels = wording.FORM_LABELS[spec.language]
    doc.para(f"{labels['municipality']}: {spec.municipality}", gap=1)
    doc.para(f"{labels['place_date']}: {place_and_date(spec)}", gap=8)
    signers: list[Signer | None] = list(spec.signers) or [None, None]
    y = doc.pdf.get_y()
    for index, signer in enumerate(signers[:2]):
        _signature_block(doc, spec, signer, doc.pdf.l_margin + index * 88, y, index)
    doc.pdf.set_y(y + 40)


def _grid_row(doc: Doc, label: str, value: str, height: float = 9) -> None:
    doc.font(10, bold=True)
    doc.pdf.cell(_LABEL_WIDTH, height, doc.t(label), border=1)
    doc.font(11)
    doc.pdf.cell(0, height, doc.t(value), border=1, new_x="LMARGIN", new_y="NEXT")


def _grid(doc: Doc, spec: DeclarationSpec) -> None:
    labels = wording.FORM_LABELS[spec.language]
    _grid_row(doc, labels["municipality"], spec.municipality)
    _grid_row(doc, labels["place_date"], place_and_date(spec))
    signers: list[Signer | None] = list(spec.signers) or [None]
    for index, signer in enumerate(signers):
        y = doc.pdf.get_y()
        _grid_row(doc, labels["signature"], "", height=24)
        if signer is not None:
            doc.signature(scribble_png(spec.seed * 7 + index),
                          doc.pdf.l_margin + _LABEL_WIDTH + 4, y + 2, _SIGNATURE_WIDTH * 0.95)
        _grid_row(doc, labels["name"], printed_name(signer, spec) if signer else "")
        _grid_row(doc, labels["title"], printed_title(signer, spec) if signer else "")


_LAYOUTS = {"plain": _plain, "grid": _grid, "side_by_side": _side_by_side}


def declaration_document(spec: DeclarationSpec) -> Doc:
    """The rendered form, still open (``declaration_pdf`` and encrypted variants use it)."""
    rng = random.Random(spec.seed)
    texts = [spec.municipality, spec.place] + [s.name for s in spec.signers]
    doc = Doc(texts, created=spec.signed_on or _INVITATION_DATE, serif=spec.serif)
    _header(doc, spec, rng)
    _LAYOUTS[spec.layout](doc, spec)
    return doc


def declaration_pdf(spec: DeclarationSpec) -> bytes:
    """The declaration form as a one-page text PDF with image signatures."""
    return declaration_document(spec).output()

