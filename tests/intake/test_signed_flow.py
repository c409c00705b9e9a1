"""A digitally signed declaration end to end through the command line.

GIVEN a test CA whose PEM file is named in ``[signatures] trust_roots``,
WHEN Vestby mails a form signed by a certificate of that CA (no printed signer) and
`poll --once` runs,
THEN the submission is accepted with the certificate's signer; the same setup without
the root sends it to review as signature_invalid; a trust root that is not a
certificate stops the command with exit 2 naming the key.
"""
from __future__ import annotations

import datetime as dt

import pytest

from intake.samples import Attachment, DeclarationSpec, declaration_pdf, submission_email
from tests.helpers import cli_json, make_config, run_cli
from tests.parsers.pki import make_ca, make_signer, sign_pdf

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def pki():
    ca = make_ca(not_before=NOW - dt.timedelta(days=30))
    return ca, make_signer(ca, "Kari Nordmann", organisation="Vestby kommune",
                           not_before=NOW - dt.timedelta(days=10))


def _setup(tmp_path, pki, roots: str | None):
    ca, kari = pki
    form = declaration_pdf(DeclarationSpec(municipality="Vestby kommune", place="Vestby",
                                           signed_on=dt.date(2020, 5, 19)))
    raw = submission_email(from_name="Kari Nordmann", from_address="kari.nordmann@vestby.kommune.no",
                           subject="Intensjonserklæring Akson", body="Signert elektronisk.",
                           sent_at=NOW, received_at=NOW,
                           attachments=[Attachment("Intensjonserklæring.pdf", sign_pdf(form, kari, ca))])
    inbox = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    (inbox / "new" / "0001.eml").write_bytes(raw)
    (tmp_path / "roots").mkdir()
    (tmp_path / "roots" / "test-root.pem").write_bytes(ca.pem)
    extra = f'[signatures]\ntrust_roots = ["{roots}"]\n' if roots else ""
    config = make_config(tmp_path, inbox=inbox, extra=extra)
    assert run_cli(config, "db", "upgrade").code == 0
    return config


def test_a_form_signed_under_a_configured_root_is_accepted(tmp_path, pki):
    config = _setup(tmp_path, pki, "roots/test-root.pem")
    assert run_cli(config, "poll", "--once").code == 0
    [sub] = cli_json(config, "export", "submissions", "--format", "json")
    assert (sub["status"], sub["municipality_number"], sub["signers"]) == (
        "accepted", "3019", [{"name": "Kari Nordmann", "title": ""}])


def test_without_the_root_the_signature_alone_is_not_enough(tmp_path, pki):
    config = _setup(tmp_path, pki, None)
    assert run_cli(config, "poll", "--once").code == 0
    [sub] = cli_json(config, "export", "submissions", "--format", "json")
    assert sub["status"] == "needs_review" and "signature_invalid" in sub["reasons"]


@pytest.mark.parametrize("root", ["roots/missing.pem", "inbox/new/0001.eml"])
def test_an_unusable_trust_root_exits_2_naming_the_key(tmp_path, pki, root):
    config = _setup(tmp_path, pki, root)
    result = run_cli(config, "poll", "--once")
    assert result.code == 2 and "signatures.trust_roots" in result.err
    assert len(result.err.strip().splitlines()) == 1
