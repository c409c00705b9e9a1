"""One recipe per category of submission: the documents, the mail, the expected outcome.

Categories and outcomes follow the labelled corpus (truth.json ``categories``): a
declaration signed and sent from the municipality's own domain is ``accepted``; what
needs a person (unsigned, minutes without the form, unreadable, spoofed, ambiguous,
questions) is ``review``; auto-replies are ``ignored``; a municipality outside the
campaign is ``not_counted``. Declines are accepted as declines.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from . import mailtext, wording
from .context import PDF, Ctx
from .declaration import declaration_document
from .emails import Attachment, Auth
from .imaging import photo_jpeg, scanned
from .letters import cover_letter_pdf, minutes_pdf
from .names import Signer, ascii_fold
from .office import declaration_docx, zip_of
from .specs import LetterSpec, MinutesSpec

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REVIEW_SPOOF = ("sender_not_authenticated", "sender_domain_mismatch")


class Made(NamedTuple):
    raw: bytes
    label: dict
    declaration: Attachment | None = None   # kept so a later duplicate can resend it


def _signed_declaration(ctx: Ctx, category: str, signers: tuple[Signer, ...], *,
                        layout: str | None = None, all_caps: bool = False,
                        outcome: str = "accepted", reasons: tuple[str, ...] = ()) -> Made:
    """The common case: one text PDF, a short body, from the municipality's domain."""
    spec = ctx.declaration_spec(signers, layout=layout, all_caps=all_caps)
    attachment = ctx.declaration_attachment(spec)
    sender = ctx.usual_sender(signers[0])
    raw = ctx.mail(sender, ctx.body(sender), [attachment])
    label = ctx.label(category, "declaration", outcome, sender=sender, signers=signers, signed=True,
                      attachment=attachment.filename, reasons=reasons, layout=spec.layout)
    return Made(raw, label, attachment)


def clean_pdf(ctx: Ctx) -> Made:
    category = "late" if ctx.late else "clean_pdf"
    if ctx.m.has_parallel_name:
        category = "sami_name"
    elif ctx.extra.get("homonym"):
        category = "homonym_resolved"
    return _signed_declaration(ctx, category, (ctx.mayor(),))


def nynorsk_herad(ctx: Ctx) -> Made:
    return _signed_declaration(ctx, "nynorsk_herad", (ctx.mayor(),))


def sami_name(ctx: Ctx) -> Made:
    return _signed_declaration(ctx, "sami_name", (ctx.mayor(),))


def all_caps(ctx: Ctx) -> Made:
    return _signed_declaration(ctx, "all_caps", (ctx.mayor(),), all_caps=True)


def two_signers(ctx: Ctx) -> Made:
    second = ctx.person(ctx.rng.choice(("kommunedirektør", "kommunedirektør", "rådmann")))
    layout = ctx.rng.choice(("side_by_side", "side_by_side", "grid", "plain"))
    return _signed_declaration(ctx, "two_signers", (ctx.mayor(), second), layout=layout)


def not_invited(ctx: Ctx) -> Made:
    return _signed_declaration(ctx, "not_invited", (ctx.mayor(),), outcome="not_counted",
                               reasons=("not_invited",))


def scanned_pdf(ctx: Ctx) -> Made:
    signers = (ctx.mayor(),)
    spec = ctx.declaration_spec(signers)
    when = ctx.sent_at
    filename = ctx.rng.choice((f"Scan_{when:%Y%m%d_%H%M}.pdf", f"Skannet_{when:%Y%m%d}.pdf",
                               f"SKM_C308{when:%y%m%d%H%M%S}.pdf", f"doc{ctx.rng.randint(1000, 9999)}.pdf"))
    data = scanned(declaration_document(spec).output(), rotation_deg=ctx.rng.uniform(0.5, 2.0),
                   dpi=ctx.rng.choice((150, 200)), noise=ctx.rng.uniform(0.2, 0.8),
                   seed=ctx.sub_seed(), day=spec.signed_on)
    attachment = Attachment(filename, data, PDF)
    sender = ctx.usual_sender(signers[0])
    raw = ctx.mail(sender, ctx.body(sender), [attachment])
    label = ctx.label("late" if ctx.late else "scanned_pdf", "declaration", "accepted", sender=sender,
                      signers=signers, signed=True, attachment=filename, layout=spec.layout)
    return Made(raw, label, attachment)


def image_attachment(ctx: Ctx) -> Made:
    signers = (ctx.mayor(),)
    spec = ctx.declaration_spec(signers)
    data = photo_jpeg(declaration_document(spec).output(), seed=ctx.sub_seed(),
                      exif_rotate=ctx.rng.random() < 0.4)
    filename = ctx.rng.choice((f"IMG_{ctx.sent_at:%Y%m%d_%H%M%S}.jpg", "image000000.jpg",
                               f"{ctx.sent_at:%Y%m%d_%H%M%S}.jpg"))
    sender = ctx.usual_sender(signers[0])
    raw = ctx.mail(sender, mailtext.phone_body(ctx.rng), [Attachment(filename, data, "image/jpeg")],
                   client="phone", subject=ctx.rng.choice(("Intensjonserklæring", "Akson", "Signert")))
    label = ctx.label("image_attachment", "declaration", "accepted", sender=sender, signers=signers,
                      signed=True, attachment=filename, layout=spec.layout)
    return Made(raw, label)


def letter_spec(ctx: Ctx, sender: Signer, **fields) -> LetterSpec:
    rng = ctx.rng
    return LetterSpec(
        municipality=ctx.m.printed_name, domain=ctx.m.domain, date=ctx.signed_on, sender=sender,
        our_ref=ctx.ref(), your_ref=rng.choice(("20/1711", None)), language=ctx.language,
        department=rng.choice(("Kommunedirektøren", "Stab og støtte", "Politisk sekretariat",
                               "Helse og omsorg")),
        street=rng.choice(("Rådhusgata 1", "Kommunehuset", f"Postboks {rng.randint(10, 400)}",
                           f"Storgata {rng.randint(2, 60)}")),
        postcode=f"{rng.randint(1000, 9990)}", post_place=ctx.m.place,
        phone=f"{rng.randint(30, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        seed=ctx.sub_seed(), **fields)


def with_cover_letter(ctx: Ctx) -> Made:
    signers = (ctx.mayor(),)
    declaration = ctx.declaration_attachment(ctx.declaration_spec(signers))
    officer = ctx.staff()
    cover = Attachment(ctx.rng.choice(("Følgebrev.pdf", "Oversendelsesbrev.pdf", "Brev til HOD.pdf")),
                       cover_letter_pdf(letter_spec(ctx, officer)), PDF)
    files = [cover, declaration] if ctx.rng.random() < 0.5 else [declaration, cover]
    sender = ctx.sender(officer)
    raw = ctx.mail(sender, ctx.body(sender, extras=("cover",)), files)
    label = ctx.label("with_cover_letter", "declaration", "accepted", sender=sender, signers=signers,
                      signed=True, attachment=declaration.filename)
    return Made(raw, label, declaration)


def council_minutes(ctx: Ctx, outcome: str) -> tuple[Attachment, str]:
    rng = ctx.rng
    council = "heradsstyre" if ctx.m.is_herad and rng.random() < 0.7 else \
        rng.choice(("kommunestyre", "kommunestyre", "formannskap", "bystyre"))
    unanimous = outcome in ("positive", "conditional") and rng.random() < 0.6
    spec = MinutesSpec(
        municipality=ctx.m.printed_name, council=council,
        meeting_date=ctx.signed_on - dt.timedelta(days=rng.choice((0, 1, 2, 6))),
        case_number=f"{rng.randint(12, 95):03d}/20", archive_ref=ctx.ref().rsplit("-", 1)[0],
        outcome=outcome, language=ctx.language,
        votes_for=None if unanimous else rng.randint(12, 30), votes_against=rng.randint(2, 11),
        proposer=rng.choice(("kommunedirektør", "rådmann")), secretary=ctx.person("sekretær").name,
        seed=ctx.sub_seed())
    filename = rng.choice(("Saksprotokoll.pdf", "Saksprotokoll - Akson.pdf", "Møtebok.pdf"))
    return Attachment(filename, minutes_pdf(spec), PDF), council


def minutes_body(ctx: Ctx, sender, council: str) -> str:
    """A mail that only says the minutes are attached (no declaration claimed)."""
    text = mailtext.MINUTES_NOTE[ctx.language].format(council=wording.COUNCIL_NAMES[council].lower())
    return mailtext.wrap(ctx.rng, ctx.language, ctx.m.printed_name, text, sender_name=sender.name,
                         sender_title=sender.title)


def with_minutes(ctx: Ctx) -> Made:
    signers = (ctx.mayor(),)
    declaration = ctx.declaration_attachment(ctx.declaration_spec(signers))
    minutes, council = council_minutes(ctx, ctx.rng.choice(("positive", "positive", "conditional")))
    sender = ctx.usual_sender(signers[0])
    body = ctx.body(sender, extras=("minutes",), council=wording.COUNCIL_NAMES[council].lower())
    raw = ctx.mail(sender, body, [declaration, minutes])
    label = ctx.label("with_minutes", "declaration", "accepted", sender=sender, signers=signers,
                      signed=True, attachment=declaration.filename)
    return Made(raw, label, declaration)


def minutes_only(ctx: Ctx) -> Made:
    outcome = ctx.rng.choice(("positive", "positive", "conditional", "postpone"))
    minutes, council = council_minutes(ctx, outcome)
    sender = ctx.usual_sender(None)
    raw = ctx.mail(sender, minutes_body(ctx, sender, council), [minutes])
    label = ctx.label("minutes_only", "council_decision", "review", sender=sender,
                      reasons=("not_signed",), attachment=minutes.filename)
    return Made(raw, label)


def docx(ctx: Ctx) -> Made:
    signers = (ctx.mayor(),)
    spec = ctx.declaration_spec(signers, layout="grid")
    attachment = Attachment("Intensjonserklæring Akson.docx", declaration_docx(spec), DOCX)
    sender = ctx.usual_sender(signers[0])
    raw = ctx.mail(sender, ctx.body(sender, extras=("docx",)), [attachment])
    label = ctx.label("docx", "declaration", "accepted", sender=sender, signers=signers, signed=True,
                      attachment=attachment.filename, layout="docx")
    return Made(raw, label)


def zip_archive(ctx: Ctx) -> Made:
    signers = (ctx.mayor(),)
    declaration = ctx.declaration_attachment(ctx.declaration_spec(signers))
    members = [(declaration.filename, declaration.data)]
    if ctx.rng.random() < 0.4:
        members.append(("Følgebrev.pdf", cover_letter_pdf(letter_spec(ctx, ctx.staff()))))
    archive = Attachment(ctx.rng.choice(("Akson.zip", "Dokumenter.zip", "intensjonserklaering.zip")),
                         zip_of(members, day=ctx.signed_on), "application/zip")
    sender = ctx.usual_sender(signers[0])
    raw = ctx.mail(sender, ctx.body(sender, extras=("zip",)), [archive])
    label = ctx.label("zip", "declaration", "accepted", sender=sender, signers=signers, signed=True,
                      attachment=declaration.filename)
    return Made(raw, label)


def unsigned(ctx: Ctx) -> Made:
    spec = ctx.declaration_spec((), layout=ctx.rng.choice(("plain", "grid", "side_by_side")),
                                dated=ctx.rng.random() < 0.5)
    attachment = ctx.declaration_attachment(spec)
    sender = ctx.usual_sender(None)
    raw = ctx.mail(sender, ctx.body(sender), [attachment])
    label = ctx.label("unsigned", "declaration", "review", sender=sender, reasons=("not_signed",),
                      attachment=attachment.filename, layout=spec.layout)
    return Made(raw, label)


def unreadable(ctx: Ctx) -> Made:
    """Encrypted, truncated, empty, or a web page saved with a .pdf name."""
    spec = ctx.declaration_spec((ctx.mayor(),))
    variant = ctx.rng.choice(("encrypted", "truncated", "empty", "html"))
    if variant == "encrypted":
        data = declaration_document(spec).output_encrypted(user_password=f"akson{ctx.seed % 997}",
                                                           owner_password="arkiv")
    elif variant == "truncated":
        whole = declaration_document(spec).output()
        data = whole[: len(whole) // 3]          # an upload cut off mid-stream
    elif variant == "empty":
        data = b""
    else:
        data = (b"<!DOCTYPE html><html><head><title>Innlogging</title></head><body>"
                b"<p>Sesjonen er utl\xc3\xb8pt. Logg inn p\xc3\xa5 nytt.</p></body></html>")
    attachment = Attachment(ctx.declaration_filename(), data, PDF)
    sender = ctx.usual_sender(None)
    raw = ctx.mail(sender, ctx.body(sender), [attachment])
    label = ctx.label("unreadable", "other", "review", sender=sender,
                      reasons=("unreadable_attachment",), attachment=attachment.filename,
                      layout=variant)
    return Made(raw, label)


def spoofed(ctx: Ctx) -> Made:
    """A municipal From that did not authenticate, or a lookalike domain that did."""
    signers = (ctx.mayor(),)
    attachment = ctx.declaration_attachment(ctx.declaration_spec(signers))
    slug = ascii_fold(ctx.m.short_name).replace(" ", "-")
    if ctx.rng.random() < 0.5:
        lookalike = ctx.rng.choice((f"{slug}-kommune.com", f"{slug}kommune.no", f"{slug}.kommune.net"))
        sender, auth, reasons = ctx.sender(None, domain=lookalike), Auth(), REVIEW_SPOOF
    else:
        sender, auth, reasons = ctx.sender(signers[0]), Auth.failed(), ("sender_not_authenticated",)
    raw = ctx.mail(sender, ctx.body(sender), [attachment], auth=auth, client="thunderbird")
    label = ctx.label("spoofed", "declaration", "review", sender=sender, signers=signers, signed=True,
                      reasons=reasons, attachment=attachment.filename, alt=("rejected",), no_reply=True)
    return Made(raw, label)
