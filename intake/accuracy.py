"""How well the intake does on labelled mail: the figures behind ``make accuracy``.

``score(labels, submissions)`` compares exported submission records (interface.md) with
labels in the vocabulary of the labelled corpus (truth.json ``messages[]``) and counts,
per category and overall:

- accepted: submissions the service accepted without staff;
- precision: the share of those that are right: the label expects an accept, and kind,
  municipality and (for a declaration) the signers agree;
- false accepts: the accepts that are not right (the one outcome that must stay at 0);
- recall: the share of the declarations that should be counted without staff
  (``counts_for_recall``) that were accepted and right;
- review rate: the share of messages left for staff;
- wrong municipality / wrong signers: records (in review or not) naming a municipality
  or signers other than the label's, with their ids.

The running of the pipeline is in ``intake.accuracy_run``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ALL = "all"


def counts_for_recall(label: Mapping[str, Any]) -> bool:
    """A declaration that should be counted without staff; a resend counts once only."""
    if "counts_for_recall" in label:
        return bool(label["counts_for_recall"])
    return (label.get("expected_kind") == "declaration"
            and label.get("expected_outcome") == "accepted" and not label.get("duplicate_of"))


def _signers(items: Iterable[Mapping[str, str]] | None) -> list[tuple[str, str]]:
    return sorted((s.get("name", ""), s.get("title", "")) for s in items or ())


def accept_is_right(label: Mapping[str, Any], sub: Mapping[str, Any]) -> bool:
    """An accepted record agrees with its label in outcome, kind, municipality, signers."""
    allowed = label.get("expected_outcome") == "accepted" or "accepted" in label.get("alt_outcomes", ())
    if not allowed or sub.get("kind") != label.get("expected_kind"):
        return False
    if sub.get("municipality_number") != label.get("municipality_number"):
        return False
    return sub.get("kind") != "declaration" or _signers(sub.get("signers")) == _signers(label.get("signers"))


@dataclass
class Row:
    """The counts of one category (or of all messages)."""

    messages: int = 0
    accepted: int = 0
    right_accepts: int = 0
    review: int = 0
    recall_due: int = 0
    recall_met: int = 0
    false_accepts: list[str] = field(default_factory=list)
    wrong_municipality: list[str] = field(default_factory=list)
    wrong_signers: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # labels with no record at all
    missed: list[str] = field(default_factory=list)    # recall misses, with their reasons

    @property
    def precision(self) -> float | None:
        return self.right_accepts / self.accepted if self.accepted else None

    @property
    def recall(self) -> float | None:
        return self.recall_met / self.recall_due if self.recall_due else None

    @property
    def review_rate(self) -> float | None:
        return self.review / self.messages if self.messages else None

    def as_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "accepted": self.accepted,
                "precision": self.precision, "false_accepts": len(self.false_accepts),
                "recall": self.recall, "recall_met": self.recall_met, "recall_due": self.recall_due,
                "review": self.review, "review_rate": self.review_rate,
                "wrong_municipality": len(self.wrong_municipality),
                "wrong_signers": len(self.wrong_signers),
                "ids": {"false_accepts": self.false_accepts,
                        "wrong_municipality": self.wrong_municipality,
                        "wrong_signers": self.wrong_signers, "missing": self.missing,
                        "missed": self.missed}}


def _note(row: Row, label: Mapping[str, Any], sub: Mapping[str, Any] | None, ident: str) -> None:
    row.messages += 1
    due = counts_for_recall(label)
    row.recall_due += due
    if sub is None:
        row.missing.append(ident)
        return
    if sub.get("status") == "needs_review":
        row.review += 1
    if sub.get("status") == "accepted":
        row.accepted += 1
        if accept_is_right(label, sub):
            row.right_accepts += 1
            row.recall_met += due
        else:
            row.false_accepts.append(ident)
    if due and not (sub.get("status") == "accepted" and accept_is_right(label, sub)):
        row.missed.append(f"{ident} ({sub.get('status')}: {', '.join(sub.get('reasons') or [])})")
    expected, got = label.get("municipality_number"), sub.get("municipality_number")
    if got is not None and got != expected:
        row.wrong_municipality.append(f"{ident} ({got} for {expected})")
    if sub.get("signers") and label.get("signers") \
            and _signers(sub.get("signers")) != _signers(label.get("signers")):
        names = ", ".join(s.get("name", "") for s in sub["signers"])
        row.wrong_signers.append(f"{ident} ({names})")


def label_id(label: Mapping[str, Any]) -> str:
    return str(label.get("id") or label.get("file") or label.get("message_id"))


def score(labels: Sequence[Mapping[str, Any]], submissions: Sequence[Mapping[str, Any]]) -> dict[str, Row]:
    """Rows per category and ``ALL``; a label's record is found by its Message-ID."""
    by_message: dict[str, Mapping[str, Any]] = {}
    for sub in submissions:
        by_message.setdefault(sub.get("message_id") or "", sub)
    rows: dict[str, Row] = {ALL: Row()}
    for label in labels:
        sub = by_message.get(label.get("message_id") or "")
        ident = label_id(label)
        _note(rows.setdefault(label.get("category", "?"), Row()), label, sub, ident)
        _note(rows[ALL], label, sub, ident)
    return dict(sorted(rows.items(), key=lambda kv: (kv[0] == ALL, kv[0])))


# ----------------------------------------------------------------- printing

_COLUMNS = ("category", "msgs", "accepted", "precision", "false acc", "recall", "review",
            "wrong muni", "wrong signer")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_table(title: str, rows: Mapping[str, Row]) -> str:
    """A fixed-width table, one line per category, then the offending ids."""
    lines = [title]
    cells = [list(_COLUMNS)]
    for name, row in rows.items():
        recall = f"{_share(row.recall)} ({row.recall_met}/{row.recall_due})" if row.recall_due else "-"
        cells.append([name, str(row.messages), str(row.accepted), _share(row.precision),
                      str(len(row.false_accepts)), recall, _share(row.review_rate),
                      str(len(row.wrong_municipality)), str(len(row.wrong_signers))])
    widths = [max(len(r[i]) for r in cells) for i in range(len(_COLUMNS))]
    for index, r in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if index == 0 or index == len(cells) - 2:
            lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    total = rows[ALL]
    for what, ids in (("false accepts", total.false_accepts), ("wrong municipality", total.wrong_municipality),
                      ("wrong signers", total.wrong_signers), ("no record", total.missing),
                      ("declarations left for staff", total.missed)):
        if ids:
            lines.append(f"{what}: {'; '.join(ids)}")
    return "\n".join(lines)


def as_json(rows: Mapping[str, Row]) -> dict[str, Any]:
    return {name: row.as_dict() for name, row in rows.items()}
