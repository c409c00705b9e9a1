"""The accuracy report (intake/accuracy.py, intake/accuracy_run.py): counts computed right."""
from __future__ import annotations

import json

import pytest

from intake.accuracy import ALL, format_table, score
from intake.campaign import domains_by_number
from intake.accuracy_run import report, run_corpus
from intake.samples import declaration_batch
from tests.parsers.conftest import load_registry

SIGNER = [{"name": "Kari Moen", "title": "ordfører"}]


def _label(n: int, category: str, outcome: str = "accepted", kind: str = "declaration",
           number: str = "4618", signers=SIGNER, **extra) -> dict:
    return {"message_id": f"<{n}@x>", "file": f"messages/{n:04d}.eml", "category": category,
            "expected_kind": kind, "expected_outcome": outcome, "alt_outcomes": [],
            "municipality_number": number, "signers": signers, "duplicate_of": None, **extra}


def _sub(n: int, status: str, kind: str = "declaration", number: str | None = "4618",
         signers=SIGNER, reasons=()) -> dict:
    return {"message_id": f"<{n}@x>", "status": status, "kind": kind, "municipality_number": number,
            "signers": signers, "reasons": list(reasons)}


def test_counts_per_category_and_overall() -> None:
    labels = [
        _label(1, "clean_pdf"),
        _label(2, "clean_pdf"),
        _label(3, "scanned_pdf"),
        _label(4, "scanned_pdf"),
        _label(5, "spoofed", outcome="review", signers=[]),
        _label(6, "duplicate", duplicate_of="<1@x>", alt_outcomes=["ignored"]),
        _label(7, "decline", kind="decline", signers=[]),
    ]
    subs = [
        _sub(1, "accepted"),
        _sub(2, "accepted", signers=[{"name": "Kari Moe", "title": "ordfører"}]),   # wrong signer
        _sub(3, "accepted", number="4619"),                                          # wrong municipality
        _sub(4, "needs_review", reasons=["low_ocr_confidence"]),
        _sub(5, "accepted", signers=[]),                                             # must not be accepted
        _sub(6, "accepted"),
        _sub(7, "accepted", kind="declaration", signers=[]),                         # a decline counted as signed
    ]
    rows = score(labels, subs)
    total = rows[ALL]
    assert (total.messages, total.accepted, total.right_accepts, total.review) == (7, 6, 2, 1)
    assert total.precision == pytest.approx(2 / 6)
    assert total.false_accepts == ["messages/0002.eml", "messages/0003.eml", "messages/0005.eml",
                                   "messages/0007.eml"]
    # Declarations that count: 1-4 (6 is a resend); only 1 was accepted and right.
    assert (total.recall_met, total.recall_due) == (1, 4)
    assert total.wrong_municipality == ["messages/0003.eml (4619 for 4618)"]
    assert total.wrong_signers == ["messages/0002.eml (Kari Moe)"]
    assert total.missed == ["messages/0002.eml (accepted: )", "messages/0003.eml (accepted: )",
                            "messages/0004.eml (needs_review: low_ocr_confidence)"]
    assert (rows["scanned_pdf"].accepted, rows["scanned_pdf"].review_rate) == (1, 0.5)
    assert rows["clean_pdf"].precision == 0.5 and rows["duplicate"].precision == 1.0
    table = format_table("t", rows)
    assert "false accepts: messages/0002.eml; messages/0003.eml" in table
    assert any(line.startswith("all ") and " 0.333 " in line for line in table.splitlines())


def test_a_label_without_a_record_is_listed() -> None:
    rows = score([_label(1, "clean_pdf")], [])
    assert rows[ALL].missing == ["messages/0001.eml"] and rows[ALL].recall_due == 1


@pytest.mark.slow
def test_the_runner_scores_a_corpus_folder_through_the_pipeline(tmp_path) -> None:
    """GIVEN a corpus folder of three signed text-PDF declarations, one labelled with a
    deliberately wrong municipality WHEN the real pipeline runs over it and is scored
    THEN two are right and the mislabelled one counts as a false accept."""
    registry = load_registry()
    domains = domains_by_number(registry)
    towns = [{"number": m.number, "name": m.name, "county": m.county, "invited": m.invited,
              "language_form": m.language_form, "domain": sorted(domains[m.number])[0]}
             for m in registry if m.invited and domains.get(m.number)]
    samples = declaration_batch(towns, 3, seed=4)
    folder = tmp_path / "corpus"
    (folder / "messages").mkdir(parents=True)
    labels = []
    for index, sample in enumerate(samples):
        name = f"messages/{index:04d}.eml"
        (folder / name).write_bytes(sample.raw)
        labels.append({**sample.label, "file": name})
    wrong = labels[2]["municipality_number"]
    labels[2]["municipality_number"] = "0301" if wrong != "0301" else "1103"
    (folder / "truth.json").write_text(json.dumps({"messages": labels}), encoding="utf-8")
    contacts = "\n".join(f"{s.label['municipality_number']},{s.label['ack_addresses'][0]}" for s in samples)
    (folder / "contacts.csv").write_text("number,email\n" + contacts + "\n", encoding="utf-8")

    result = run_corpus(folder, tmp_path / "work")
    text, data = report([result])
    counts = data[str(folder)]["categories"][ALL]
    assert (counts["messages"], counts["accepted"], counts["false_accepts"]) == (3, 3, 1)
    assert counts["precision"] == pytest.approx(2 / 3)
    assert counts["ids"]["false_accepts"] == ["messages/0002.eml"]
    assert counts["wrong_municipality"] == 1
    assert "precision" in text and "messages/0002.eml" in text
