"""Every reason a decision can give has staff's words on the web pages (intake.web.app)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake.web.app import REASON_TEXT, reason_text

PARSERS = Path(__file__).resolve().parents[2] / "parsers"
# A module-level constant holding a reason code: UNKNOWN = "unknown_municipality".
_CONSTANT = re.compile(r'^[A-Z][A-Z_]* = "([a-z]+(?:_[a-z]+)+|question|postponed)"$', re.M)


def _reason_codes() -> set[str]:
    return {code for path in ("decide.py", "council.py") for code in
            _CONSTANT.findall((PARSERS / path).read_text(encoding="utf-8"))}


def test_the_decision_modules_define_reasons():
    assert {"not_signed", "low_ocr_confidence", "postponed", "signature_invalid"} <= _reason_codes()


@pytest.mark.parametrize("code", sorted(_reason_codes()))
def test_reason_has_words_for_staff(code):
    assert code in REASON_TEXT and reason_text(code) != code
