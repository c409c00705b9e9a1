"""Recipes where the mail itself is the story: forwards, declines, questions,
auto-replies, body-only signatures, resends and homonyms from private addresses."""
from __future__ import annotations

import datetime as dt
from email.utils import format_datetime

from . import mailtext, wording
from .context import PDF, Ctx, Sender
from .declaration import declaration_pdf
from .emails import Attachment, auto_reply_email, forwarded_email, message_id, submission_email
from .letters import decline_letter_pdf
from .names import ascii_fold
from .pdfbase import format_date
from .recipes import Made, council_minutes, letter_spec, minutes_body

_RESEND = {"bokmål": "Sender erklæringen på nytt, i tilfelle den forrige ikke kom fram.",
           "nynorsk": "Sender erklæringa på nytt, i tilfelle den førre ikkje kom fram."}
_FORWARD_HEADER = {"bokmål": ("-----Opprinnelig melding-----", "Fra", "Sendt", "Til", "Emne"),
                   "nynorsk": ("-----Opphavleg melding-----", "Frå", "Sendt", "Til", "Emne")}
_PRIVATE_DOMAINS = ("online.no", "gmail.com", "hotmail.com", "icloud.com", "live.no")


def _inner_original(ctx: Ctx, signers, attachment: Attachment):
    """The mail the archive or a colleague forwards, as its author sent it."""
    author = ctx.usual_sender(signers[0])
    sent = ctx.sent_at - dt.timedelta(hours=ctx.rng.randint(1, 40))
    inner_id = message_id(ctx.rng, "exchange", ctx.m.domain)
    subject = ctx.subject()
    raw = submission_email(
        from_name=author.display, from_address=author.address, subject=subject,
        body=ctx.body(author), sent_at=sent, received_at=sent + dt.timedelta(seconds=4),
        seed=ctx.sub_seed(), attachments=[attachment], client="exchange", language=ctx.language,
        message_id_value=inner_id)
    return author, sent, subject, raw


_ARCHIVE_TITLE = "Akson – signert intensjonserklæring"


def _archive_forward(ctx: Ctx, inner: bytes, subject: str) -> tuple[Sender, bytes]:
    """The sak-/arkivsystem sends the registered mail on, attached as message/rfc822."""
    name = f"Arkiv {ctx.m.printed_name}"
    sender = Sender(name, f"arkiv@{ctx.m.domain}", "arkiv", name)
    body = mailtext.ARCHIVE_BODY[ctx.language].format(
        m=ctx.m.printed_name, case=ctx.ref().rsplit("-", 1)[0], title=_ARCHIVE_TITLE)
    ctx.message_id = message_id(ctx.rng, "archive", ctx.m.domain)
    raw = forwarded_email(
        inner, from_name=sender.display, from_address=sender.address,
        subject=f"Utsending: {_ARCHIVE_TITLE}", body=body, sent_at=ctx.sent_at,
        received_at=ctx.received_at, seed=ctx.sub_seed(), language=ctx.language,
        filename=f"{subject}.eml", message_id_value=ctx.message_id)
    return sender, raw


def _inline_forward(ctx: Ctx, author: Sender, sent: dt.datetime, subject: str,
                    declaration: Attachment) -> tuple[Sender, bytes]:
    """A colleague presses Forward: the original quoted in the body, attachments kept."""
    sender = ctx.sender(ctx.staff())
    intro, fra, sendt, til, emne = _FORWARD_HEADER[ctx.language]
    quoted = (f"{intro}\n{fra}: {author.display} <{author.address}>\n{sendt}: {format_datetime(sent)}\n"
              f"{til}: akson@hod.dep.no\n{emne}: {subject}\n\n{ctx.body(author)}")
    raw = ctx.mail(sender, ctx.body(sender) + "\n\n" + quoted, [declaration], subject=f"VS: {subject}")
    return sender, raw


def forwarded(ctx: Ctx) -> Made:
    signers = (ctx.mayor(),)
    declaration = ctx.declaration_attachment(ctx.declaration_spec(signers))
    author, sent, subject, inner = _inner_original(ctx, signers, declaration)
    if ctx.rng.random() < 0.6:
        sender, raw = _archive_forward(ctx, inner, subject)
    else:
        sender, raw = _inline_forward(ctx, author, sent, subject, declaration)
    label = ctx.label("forwarded", "declaration", "accepted", sender=sender, signers=signers,
                      signed=True, attachment=declaration.filename, also_ack=(author.address,))
    return Made(raw, label, declaration)


def decline(ctx: Ctx) -> Made:
    """No thanks: in the body, in a letter from the mayor, or as minutes voting it down."""
    variant = ctx.rng.choice(("body", "letter", "minutes"))
    council = "heradsstyre" if ctx.m.is_herad else "kommunestyre"
    council_name = wording.COUNCIL_NAMES[council]
    if variant == "letter":
        mayor = ctx.mayor()
        spec = letter_spec(ctx, mayor, council=council, case_number=f"{ctx.rng.randint(12, 95):03d}/20",
                            meeting_date=ctx.signed_on - dt.timedelta(days=ctx.rng.randint(1, 9)))
        letter = Attachment(ctx.rng.choice(("Svar - Akson.pdf", "Svar på invitasjon.pdf")),
                            decline_letter_pdf(spec), PDF)
        sender = ctx.usual_sender(mayor)
        raw = ctx.mail(sender, ctx.body(sender), [letter])
        return Made(raw, ctx.label("decline", "decline", "accepted", sender=sender, signers=(mayor,),
                                   attachment=letter.filename, declined=True, layout="letter"))
    sender = ctx.usual_sender(None)
    if variant == "minutes":
        minutes, council = council_minutes(ctx, "negative")
        raw = ctx.mail(sender, minutes_body(ctx, sender, council), [minutes])
        return Made(raw, ctx.label("decline", "decline", "accepted", sender=sender,
                                   attachment=minutes.filename, declined=True, layout="minutes"))
    text = ctx.rng.choice(mailtext.DECLINES[ctx.language]).format(m=ctx.m.printed_name, council=council_name)
    body = mailtext.wrap(ctx.rng, ctx.language, ctx.m.printed_name, text, sender_name=sender.name,
                         sender_title=sender.title)
    raw = ctx.mail(sender, body, [])
    return Made(raw, ctx.label("decline", "decline", "accepted", sender=sender, declined=True, layout="body"))


def question(ctx: Ctx) -> Made:
    sender = ctx.usual_sender(None) if ctx.rng.random() < 0.3 else ctx.sender(ctx.staff())
    text = ctx.rng.choice(mailtext.QUESTIONS[ctx.language])
    body = mailtext.wrap(ctx.rng, ctx.language, ctx.m.printed_name, text, sender_name=sender.name,
                         sender_title=sender.title)
    raw = ctx.mail(sender, body, [], subject=ctx.rng.choice(
        ("Spørsmål om intensjonserklæring", "SV: " + mailtext.INVITATION_SUBJECT, "Akson – spørsmål")))
    return Made(raw, ctx.label("question", "question", "review", sender=sender))


def body_only(ctx: Ctx) -> Made:
    mayor = ctx.mayor()
    sender = ctx.sender(mayor)
    text = mailtext.BODY_ONLY[ctx.language].format(m=ctx.m.printed_name)
    body = mailtext.wrap(ctx.rng, ctx.language, ctx.m.printed_name, text, sender_name=sender.name,
                         sender_title=sender.title)
    raw = ctx.mail(sender, body, [])
    return Made(raw, ctx.label("body_only", "other", "review", sender=sender, reasons=("not_signed",)))


def auto_reply(ctx: Ctx) -> Made:
    """Out of office, answering one of our mails; never to be answered back."""
    person = ctx.staff()
    sender = ctx.sender(person)
    back = ctx.received_at.date() + dt.timedelta(days=ctx.rng.randint(3, 28))
    body = ctx.rng.choice(mailtext.AUTO_REPLIES[ctx.language]).format(
        back=format_date(back, "long"), domain=ctx.m.domain)
    original = ctx.rng.choice((mailtext.INVITATION_SUBJECT, mailtext.REMINDER_SUBJECT))
    ctx.message_id = message_id(ctx.rng, "exchange", ctx.m.domain)
    raw = auto_reply_email(
        from_name=sender.display, from_address=sender.address, original_subject=original, body=body,
        sent_at=ctx.sent_at, received_at=ctx.received_at, seed=ctx.sub_seed(),
        prefix=ctx.rng.choice(mailtext.AUTO_PREFIXES[:3]), language=ctx.language,
        in_reply_to=f"<{ctx.rng.randrange(1 << 40):x}@hod.dep.no>", message_id_value=ctx.message_id)
    return Made(raw, ctx.label("auto_reply", "auto_reply", "ignored", sender=sender, no_reply=True,
                               municipality=False))


def duplicate(ctx: Ctx, original: dict, declaration: Attachment) -> Made:
    """The same municipality sends its accepted declaration again, often someone else."""
    sender = ctx.usual_sender(None)
    text = _RESEND[ctx.language]
    body = mailtext.wrap(ctx.rng, ctx.language, ctx.m.printed_name, text, sender_name=sender.name,
                         sender_title=sender.title)
    raw = ctx.mail(sender, body, [declaration])
    label = ctx.label("duplicate", "declaration", "accepted", sender=sender,
                      attachment=declaration.filename, alt=("ignored", "rejected"))
    label.update(signers=original["signers"], signed_date=original["signed_date"],
                 duplicate_of=original["message_id"])
    return Made(raw, label)


def homonym_ambiguous(ctx: Ctx) -> Made:
    """A name two municipalities share (Herøy, Våler), from a private address, no county."""
    mayor = ctx.mayor()
    spec = ctx.declaration_spec((mayor,), municipality=f"{ctx.m.short_name} kommune")
    filename = ctx.rng.choice((f"erklæring {ctx.m.short_name.lower()}.pdf", "skjema signert.pdf"))
    declaration = Attachment(filename, declaration_pdf(spec), PDF)
    address = f"{ascii_fold(mayor.name).replace(' ', '')}@{ctx.rng.choice(_PRIVATE_DOMAINS)}"
    sender = Sender(mayor.name, address, mayor.title, mayor.name)
    body = f"Sender signert erklæring for {ctx.m.short_name} kommune.\n\n{mayor.name}"
    raw = ctx.mail(sender, body, [declaration], client="phone")
    label = ctx.label("homonym_ambiguous", "declaration", "review", sender=sender, signers=(mayor,),
                      signed=True, reasons=("ambiguous_municipality",), attachment=declaration.filename,
                      layout=spec.layout)
    return Made(raw, label)
