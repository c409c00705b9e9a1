"""A whole campaign mailbox: a realistic mix of submissions with their expected outcomes.

``build_campaign`` spreads ``count`` messages over [start, end] (office hours mostly),
picks a category for each from ``CATEGORY_WEIGHTS`` (every category that the given
municipalities allow appears at least once when ``count`` is large enough), gives each
its own municipality while unused ones remain, and returns them in receipt order.
``declaration_batch`` is the fast path for benchmarks: clean one-page declarations.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from . import recipes, recipes_mail
from .context import Ctx
from .emails import Attachment
from .names import Municipality, as_municipality, writing_language
from .pdfbase import OSLO

DEADLINE = dt.datetime(2020, 7, 1, 0, 0, tzinfo=OSLO)

# Roughly the shares seen in the labelled sample: most mail is a plain signed PDF.
CATEGORY_WEIGHTS: dict[str, int] = {
    "clean_pdf": 30, "scanned_pdf": 10, "image_attachment": 3, "with_cover_letter": 4,
    "with_minutes": 3, "minutes_only": 2, "forwarded": 4, "docx": 2, "zip": 2,
    "two_signers": 4, "all_caps": 2, "nynorsk_herad": 3, "sami_name": 1, "decline": 3,
    "question": 3, "auto_reply": 4, "spoofed": 2, "not_invited": 2, "unsigned": 2,
    "unreadable": 3, "body_only": 1, "duplicate": 2, "homonym_ambiguous": 1,
}
_RECIPES: dict[str, Callable[[Ctx], recipes.Made]] = {
    "clean_pdf": recipes.clean_pdf, "scanned_pdf": recipes.scanned_pdf,
    "image_attachment": recipes.image_attachment, "with_cover_letter": recipes.with_cover_letter,
    "with_minutes": recipes.with_minutes, "minutes_only": recipes.minutes_only,
    "forwarded": recipes_mail.forwarded, "docx": recipes.docx, "zip": recipes.zip_archive,
    "two_signers": recipes.two_signers, "all_caps": recipes.all_caps,
    "nynorsk_herad": recipes.nynorsk_herad, "sami_name": recipes.sami_name,
    "decline": recipes_mail.decline, "question": recipes_mail.question,
    "auto_reply": recipes_mail.auto_reply, "spoofed": recipes.spoofed,
    "not_invited": recipes.not_invited, "unsigned": recipes.unsigned,
    "unreadable": recipes.unreadable, "body_only": recipes_mail.body_only,
    "homonym_ambiguous": recipes_mail.homonym_ambiguous,
}
_BATCH_SIGNATURES = 16     # distinct scribbles in a batch; each is drawn once and cached


@dataclass(frozen=True)
class Sample:
    """One delivered message and what the intake is expected to make of it.

    ``label`` uses the vocabulary of the labelled corpus (truth.json ``messages[]``):
    message_id, category, expected_kind, expected_outcome, alt_outcomes,
    municipality_number, signers [{name, title}], signed_date, declined, late,
    duplicate_of, decision_attachment, no_reply, ack_addresses, expected_reasons;
    plus municipality_name, received_at and layout.
    """

    raw: bytes
    label: dict
    received_at: dt.datetime


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=OSLO) if moment.tzinfo is None else moment.astimezone(OSLO)


def _receipt_times(rng: random.Random, count: int, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Uniform over [start, end], moved into 07-21 on the same day (people mail at work)."""
    span = (end - start).total_seconds()
    times = []
    for _ in range(count):
        moment = start + dt.timedelta(seconds=rng.uniform(0, span))
        if not 7 <= moment.hour < 21:
            moment = moment.replace(hour=rng.randint(8, 15), minute=rng.randint(0, 59))
        times.append(min(max(moment, start), end).replace(microsecond=0))
    return sorted(times)


class _Picker:
    """Municipalities for messages: each unused one first, then any that fits."""

    def __init__(self, municipalities: list[Municipality], rng: random.Random):
        self.all = municipalities
        self.rng = rng
        self.unused = [m for m in municipalities]
        rng.shuffle(self.unused)
        shorts = [m.short_name.lower() for m in municipalities]
        self.homonyms = {s for s in shorts if shorts.count(s) > 1}

    def predicate(self, category: str) -> Callable[[Municipality], bool]:
        if category == "not_invited":
            return lambda m: not m.invited
        if category == "nynorsk_herad":
            return lambda m: m.invited and m.language_form == "nynorsk"
        if category == "sami_name":
            return lambda m: m.invited and m.has_parallel_name
        if category == "homonym_ambiguous":
            return lambda m: m.invited and m.short_name.lower() in self.homonyms
        if category == "auto_reply":
            return lambda m: True
        return lambda m: m.invited

    def available(self, category: str) -> bool:
        return any(self.predicate(category)(m) for m in self.all)

    def pick(self, category: str) -> Municipality:
        fits = self.predicate(category)
        for index, m in enumerate(self.unused):
            if fits(m):
                return self.unused.pop(index)
        return self.rng.choice([m for m in self.all if fits(m)])


def _categories(rng: random.Random, picker: _Picker, count: int) -> list[str]:
    """Each available category once (if room), the rest by weight; resends kept late."""
    available = [c for c in CATEGORY_WEIGHTS if c == "duplicate" or picker.available(c)]
    chosen = list(available) if count >= len(available) else []
    weights = [CATEGORY_WEIGHTS[c] for c in available]
    chosen += rng.choices(available, weights=weights, k=count - len(chosen))
    rng.shuffle(chosen)
    # A resend needs an earlier submission: keep duplicates out of the first half.
    half = count // 2
    for index in range(half):
        if chosen[index] == "duplicate":
            swap = rng.randrange(half, count)
            chosen[index], chosen[swap] = chosen[swap], chosen[index]
    return chosen


def _mark_repeat(label: dict, history: list) -> None:
    """A second accepted declaration from one municipality is a duplicate of the first."""
    if label["expected_outcome"] != "accepted" or label["expected_kind"] != "declaration":
        return
    for earlier, _, _ in history:
        if earlier["municipality_number"] == label["municipality_number"]:
            label["duplicate_of"] = label["duplicate_of"] or earlier["message_id"]
            label["alt_outcomes"] = sorted(set(label["alt_outcomes"]) | {"ignored", "rejected"})
            return


def build_campaign(municipalities: Sequence[Any], *, seed: int, count: int, start: dt.datetime,
                   end: dt.datetime, deadline: dt.datetime = DEADLINE) -> list[Sample]:
    """``count`` labelled messages received between ``start`` and ``end``, in receipt order."""
    ms = [as_municipality(m) for m in municipalities]
    if not any(m.invited for m in ms):
        raise ValueError("build_campaign needs at least one invited municipality")
    rng = random.Random(seed)
    start, end, deadline = _aware(start), _aware(end), _aware(deadline)
    picker = _Picker(ms, rng)
    history: list[tuple[dict, Attachment, Municipality]] = []
    samples = []
    for category, received_at in zip(_categories(rng, picker, count), _receipt_times(rng, count, start, end)):
        message_seed = rng.randrange(1 << 30)
        if category == "duplicate" and not history:
            category = "clean_pdf"
        if category == "duplicate":
            original, attachment, m = rng.choice(history)
        else:
            m = picker.pick(category)
        ctx_rng = random.Random(message_seed)
        ctx = Ctx(ctx_rng, message_seed, m, writing_language(m, ctx_rng), received_at, deadline,
                  extra={"homonym": m.short_name.lower() in picker.homonyms})
        made = recipes_mail.duplicate(ctx, original, attachment) if category == "duplicate" \
            else _RECIPES[category](ctx)
        _mark_repeat(made.label, history)
        if made.declaration is not None and made.label["expected_outcome"] == "accepted":
            history.append((made.label, made.declaration, m))
        samples.append(Sample(made.raw, made.label, received_at))
    return samples


def declaration_batch(municipalities: Iterable[Any], n: int, *, seed: int = 0,
                      start: dt.datetime = dt.datetime(2020, 5, 6, 8, 0, tzinfo=OSLO),
                      interval: dt.timedelta = dt.timedelta(seconds=30),
                      deadline: dt.datetime = DEADLINE) -> list[Sample]:
    """``n`` clean one-page text-PDF declarations, one per invited municipality (cycling).

    Built for benchmarks: signatures come from a small cached set, so the cost per
    message is one fpdf2 page and one MIME message.
    """
    invited = [m for m in (as_municipality(x) for x in municipalities) if m.invited]
    if not invited:
        raise ValueError("declaration_batch needs at least one invited municipality")
    rng = random.Random(seed)
    rng.shuffle(invited)
    start, deadline = _aware(start), _aware(deadline)
    samples = []
    for index in range(n):
        m = invited[index % len(invited)]
        message_seed = rng.randrange(1 << 30)
        ctx_rng = random.Random(message_seed)
        ctx = Ctx(ctx_rng, message_seed, m, writing_language(m, ctx_rng), start + index * interval, deadline)
        mayor = ctx.mayor()
        spec = dataclasses.replace(ctx.declaration_spec((mayor,)), seed=index % _BATCH_SIGNATURES)
        attachment = ctx.declaration_attachment(spec)
        sender = ctx.usual_sender(mayor)
        raw = ctx.mail(sender, ctx.body(sender), [attachment])
        label = ctx.label("late" if ctx.late else "clean_pdf", "declaration", "accepted", sender=sender,
                          signers=(mayor,), signed=True, attachment=attachment.filename, layout=spec.layout)
        samples.append(Sample(raw, label, ctx.received_at))
    return samples
