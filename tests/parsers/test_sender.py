import pytest

from parsers.sender import check_sender, parse_authentication_results
from parsers.types import Header, ParsedMessage

DOMAINS = {
    "gol.kommune.no": frozenset({"3041"}),
    "stavanger.kommune.no": frozenset({"1103"}),
    "kvam.no": frozenset({"4622"}),
}
OURS = ("mx.dep.no",)

PASS_ALL = ("mx.dep.no; dkim=pass header.d=gol.kommune.no header.s=s1; "
            "spf=pass smtp.mailfrom=gol.kommune.no; dmarc=pass (p=none) header.from=gol.kommune.no")


def message(sender="kari@gol.kommune.no", subject="Intensjonserklæring", headers=()):
    return ParsedMessage(
        message_id="<x@y>", from_address=sender, from_name="", reply_to=None, to=("akson@hod.dep.no",),
        subject=subject, date=None, received_date=None, in_reply_to=None, references=(),
        headers=tuple(Header(n, v) for n, v in headers), body_text="", documents=(),
    )


def check(msg, ids=OURS):
    return check_sender(msg, domain_numbers=DOMAINS, authserv_ids=ids)


@pytest.mark.parametrize("sender, domain, numbers", [
    pytest.param("kari@gol.kommune.no", "gol.kommune.no", {"3041"}, id="exact"),
    pytest.param("kari@GOL.Kommune.NO", "gol.kommune.no", {"3041"}, id="case"),
    pytest.param("kari@mail.gol.kommune.no", "mail.gol.kommune.no", {"3041"}, id="subdomain"),
    pytest.param("post@kvam.no", "kvam.no", {"4622"}, id="extra-domain"),
    pytest.param("x@evilgol.kommune.no", "evilgol.kommune.no", set(), id="suffix-is-not-subdomain"),
    pytest.param("x@stavanger-kommune.com", "stavanger-kommune.com", set(), id="lookalike"),
    pytest.param("x@kommune.no", "kommune.no", set(), id="parent-not-listed"),
    pytest.param(None, None, set(), id="no-address"),
])
def test_domain_numbers(sender, domain, numbers):
    result = check(message(sender))
    assert (result.domain, result.domain_numbers) == (domain, frozenset(numbers))


@pytest.mark.parametrize("headers, ids, expected", [
    pytest.param([("Authentication-Results", PASS_ALL)], OURS, True, id="all-pass"),
    pytest.param([("Authentication-Results", PASS_ALL)], (), None, id="pass-untrusted-without-ids"),
    pytest.param([("Authentication-Results", PASS_ALL.replace("mx.dep.no", "evil.example"))], OURS, None,
                 id="pass-from-foreign-authserv"),
    pytest.param([("Authentication-Results", "mx.dep.no; dkim=none (message not signed);\r\n"
                   "\tspf=fail smtp.mailfrom=vps.example.ru;\r\n"
                   "\tdmarc=fail (p=quarantine dis=none) header.from=gol.kommune.no")], OURS, False,
                 id="dmarc-fail-folded"),
    pytest.param([("Authentication-Results", "anything.example; dmarc=fail header.from=gol.kommune.no")],
                 (), False, id="fail-counts-without-ids"),
    pytest.param([("Authentication-Results", "evil.example; dmarc=fail header.from=gol.kommune.no")],
                 OURS, None, id="fail-from-foreign-authserv-ignored-with-ids"),
    pytest.param([("Authentication-Results", "mx.dep.no; spf=fail smtp.mailfrom=x.example; "
                   "dkim=pass header.d=gol.kommune.no")], OURS, True, id="spf-fail-rescued-by-aligned-dkim"),
    pytest.param([("Authentication-Results", "mx.dep.no; spf=fail smtp.mailfrom=x.example; "
                   "dkim=pass header.d=other.example")], OURS, False, id="spf-fail-unaligned-dkim"),
    pytest.param([("Authentication-Results", "mx.dep.no; spf=fail smtp.mailfrom=x.example; "
                   "dkim=pass header.d=kommune.no")], OURS, False, id="shared-suffix-never-aligns"),
    pytest.param([("Authentication-Results", "mx.dep.no; spf=fail; dkim=pass header.d=gol.kommune.no")],
                 (), False, id="spf-fail-no-trusted-dkim"),
    pytest.param([("Authentication-Results", "mx.dep.no; dkim=pass header.d=gol.kommune.no")], OURS, True,
                 id="dkim-aligned-only"),
    pytest.param([("Authentication-Results", "mx.dep.no; spf=pass smtp.mailfrom=gol.kommune.no")], OURS,
                 None, id="spf-pass-alone-unknown"),
    pytest.param([("Authentication-Results", "mx.dep.no; dmarc=pass header.from=other.example")], OURS,
                 None, id="dmarc-pass-for-other-domain"),
    pytest.param([("Authentication-Results", PASS_ALL),
                  ("Authentication-Results", "mx.dep.no; dmarc=fail header.from=gol.kommune.no")], OURS,
                 False, id="fail-wins"),
    pytest.param([("Authentication-Results", "MX.DEP.NO 1; DKIM=PASS (good sig) header.d=gol.kommune.no")],
                 OURS, True, id="case-and-version"),
    pytest.param([], OURS, None, id="no-header"),
    pytest.param([("Authentication-Results", "mx.dep.no; none")], OURS, None, id="none"),
])
def test_authentication(headers, ids, expected):
    result = check(message(headers=headers), ids)
    assert result.authenticated is expected
    assert result.auth_detail


def test_auth_detail_is_readable():
    detail = check(message(headers=[("Authentication-Results", PASS_ALL)])).auth_detail
    assert "dmarc=pass" in detail and "authenticated" in detail


def test_parse_authentication_results_tolerates_comments_and_quotes():
    authserv, results = parse_authentication_results(
        'example.org (a comment; with semicolon) 1; dkim=fail reason="bad; sig" (c) header.d=x.example; '
        'spf=pass (sender (nested) ok) smtp.mailfrom=u@x.example'
    )
    assert authserv == "example.org"
    assert [(r.method, r.result, r.prop("header.d")) for r in results] == [
        ("dkim", "fail", "x.example"), ("spf", "pass", None)]


@pytest.mark.parametrize("headers, subject, expected", [
    pytest.param([("Auto-Submitted", "auto-replied")], "Akson", True, id="auto-submitted"),
    pytest.param([("Auto-Submitted", "auto-generated; owner-email=x")], "Akson", True, id="auto-generated"),
    pytest.param([("Auto-Submitted", "no")], "Akson", False, id="auto-submitted-no"),
    pytest.param([("X-Autoreply", "yes")], "Akson", True, id="x-autoreply"),
    pytest.param([("X-Autorespond", "Out of office")], "Akson", True, id="x-autorespond"),
    pytest.param([("Precedence", "auto_reply")], "Akson", True, id="precedence"),
    pytest.param([("X-Auto-Response-Suppress", "All")], "Akson", False, id="suppress-alone-is-not"),
    pytest.param([], "Fraværsmelding: Invitasjon", True, id="fravaersmelding"),
    pytest.param([], "Fråværsmelding: Invitasjon", True, id="fravaersmelding-nn"),
    pytest.param([], "Automatisk svar: Akson", True, id="automatisk-svar"),
    pytest.param([], "Autosvar: Akson", True, id="autosvar"),
    pytest.param([], "Out of Office: Akson", True, id="ooo"),
    pytest.param([], "Automatic reply: Akson", True, id="automatic-reply"),
    pytest.param([], "RE: Abwesenheitsnotiz", True, id="abwesenheit"),
    pytest.param([], "SV: Invitasjon til å signere intensjonserklæring", False, id="ordinary"),
])
def test_auto_reply(headers, subject, expected):
    assert check(message(subject=subject, headers=headers)).auto_reply is expected


@pytest.mark.parametrize("headers, expected", [
    pytest.param([("Precedence", "bulk")], True, id="bulk"),
    pytest.param([("Precedence", "list")], True, id="list"),
    pytest.param([("Precedence", "junk")], True, id="junk"),
    pytest.param([("List-Id", "<nyhet.example.no>")], True, id="list-id"),
    pytest.param([("List-Unsubscribe", "<mailto:x@y>")], True, id="list-unsubscribe"),
    pytest.param([("Precedence", "auto_reply")], False, id="auto-reply-is-not-bulk"),
    pytest.param([], False, id="plain"),
])
def test_bulk(headers, expected):
    assert check(message(headers=headers)).bulk is expected


@pytest.mark.parametrize("sender, subject, headers, expected", [
    pytest.param("kari@gol.kommune.no", "x", [("Content-Type", "multipart/report; report-type=delivery-status")],
                 True, id="multipart-report"),
    pytest.param("MAILER-DAEMON@mx.gol.kommune.no", "x", [], True, id="mailer-daemon"),
    pytest.param("postmaster@gol.kommune.no", "x", [], True, id="postmaster"),
    pytest.param("kari@gol.kommune.no", "Undeliverable: Akson", [], True, id="undeliverable"),
    pytest.param("kari@gol.kommune.no", "Delivery Status Notification (Failure)", [], True, id="dsn"),
    pytest.param("kari@gol.kommune.no", "Akson", [("Content-Type", "multipart/mixed; boundary=x")], False,
                 id="ordinary"),
])
def test_delivery_report(sender, subject, headers, expected):
    assert check(message(sender, subject, headers)).delivery_report is expected


# ------------------------------------------------------------------ lookalikes

from parsers.sender import domain_skeleton, forwarded_from, lookalike_index, lookalike_of  # noqa: E402

TRUSTED = ["stavanger.kommune.no", "nordre-land.kommune.no", "gol.kommune.no", "kvam.no"]
INDEX = lookalike_index(TRUSTED)


@pytest.mark.parametrize("domain, imitated", [
    pytest.param("stavanger-kommune.com", "stavanger.kommune.no", id="hyphen-and-tld"),
    pytest.param("stavanger-kommune.no", "stavanger.kommune.no", id="extra-hyphen"),
    pytest.param("nordreland.kommune.no", "nordre-land.kommune.no", id="missing-hyphen"),
    pytest.param("stavanger.kommune.net", "stavanger.kommune.no", id="tld-net"),
    pytest.param("stavanger.kommune.com", "stavanger.kommune.no", id="tld-com"),
    pytest.param("stavanger.kommmune.no", "stavanger.kommune.no", id="kommmune"),
    pytest.param("stavanger.komune.no", "stavanger.kommune.no", id="komune"),
    pytest.param("stavanger.kommnue.no", "stavanger.kommune.no", id="swapped-letters"),
    pytest.param("stavanger.kornmune.no", "stavanger.kommune.no", id="rn-for-m"),
    pytest.param("st4vanger.kommune.no", "stavanger.kommune.no", id="digit-for-letter"),
    pytest.param("g0l.kommune.no", "gol.kommune.no", id="zero-for-o"),
    pytest.param("stаvanger.kommune.no", "stavanger.kommune.no", id="cyrillic-a"),
    pytest.param("stavanger.kommune.no".replace("stavanger", "ståvanger").encode("idna").decode(),
                 "stavanger.kommune.no", id="punycode"),
    pytest.param("mail.stavanger-kommune.com", "stavanger.kommune.no", id="subdomain-of-lookalike"),
    pytest.param("stavanger.kommune.no", None, id="the-real-one"),
    pytest.param("post.stavanger.kommune.no", None, id="real-subdomain"),
    pytest.param("sandnes.kommune.no", None, id="another-municipality"),
    pytest.param("hod.dep.no", None, id="unrelated"),
    pytest.param("kommune.no", None, id="bare-parent"),
    pytest.param("ikt-stavanger.no", None, id="different-name"),
])
def test_lookalike_domains(domain, imitated):
    numbers = {d: frozenset({"1"}) for d in TRUSTED}
    assert lookalike_of(domain, INDEX, numbers, {}) == imitated


def test_skeleton_ignores_what_readers_overlook():
    assert domain_skeleton("Stavanger-Kommune.COM") == domain_skeleton("stavanger.kommune.no")
    assert domain_skeleton("stavanger.kommune.no") != domain_skeleton("sandnes.kommune.no")


def test_check_sender_names_the_imitated_domain():
    result = check_sender(message("post@stavanger-kommune.com"), domain_numbers=DOMAINS,
                          authserv_ids=OURS, lookalikes=lookalike_index(list(DOMAINS)))
    assert result.lookalike_of == "stavanger.kommune.no" and result.domain_numbers == frozenset()


# --------------------------------------------------- intermediaries and forwards

IKT = {"ikt-hallingdal.no": frozenset({"3041", "3042"})}


def forward(outer: str, inner: str | None, body: str = "") -> ParsedMessage:
    inner_msg = message(inner) if inner else None
    base = message(outer)
    return ParsedMessage(**{**base.__dict__, "body_text": body,
                            "forwarded": (inner_msg,) if inner_msg else ()})


def test_an_intermediary_sends_for_its_municipalities_only():
    result = check_sender(message("arkiv@ikt-hallingdal.no"), domain_numbers=DOMAINS,
                          authserv_ids=OURS, intermediaries=IKT)
    assert result.domain_numbers == frozenset({"3041", "3042"})


@pytest.mark.parametrize("outer, inner, expected", [
    pytest.param("arkiv@ikt-hallingdal.no", "kari@gol.kommune.no", {"3041"},
                 id="intermediary-narrowed-by-inner-from"),
    pytest.param("arkiv@ikt-hallingdal.no", "x@stavanger.kommune.no", set(),
                 id="intermediary-not-trusted-for-inner-municipality"),
    pytest.param("someone@gmail.com", "kari@gol.kommune.no", set(),
                 id="untrusted-outer-gives-no-domain-evidence"),
    pytest.param("kari@gol.kommune.no", "akson@hod.dep.no", {"3041"},
                 id="our-own-mail-quoted-changes-nothing"),
    pytest.param("kari@gol.kommune.no", "x@stavanger.kommune.no", set(),
                 id="another-municipalitys-inner-from-is-a-conflict"),
])
def test_forwarded_from_narrows_and_never_widens(outer, inner, expected):
    result = check_sender(forward(outer, inner), domain_numbers=DOMAINS, authserv_ids=OURS,
                          intermediaries=IKT)
    assert result.domain_numbers == frozenset(expected)


def test_inline_forward_headers_are_read_and_sentences_are_not():
    body = ("Se vedlagt.\n\n-----Opprinnelig melding-----\nFra: Kari Moen <kari@gol.kommune.no>\n"
            "Sendt: 20. mai 2020 10:01\nTil: arkiv@ikt-hallingdal.no\nEmne: Erklæring\n\n"
            "Fra: ordføreren har signert i dag.\n")
    assert forwarded_from(forward("arkiv@ikt-hallingdal.no", None, body)) == ["kari@gol.kommune.no"]
    result = check_sender(forward("arkiv@ikt-hallingdal.no", None, body), domain_numbers=DOMAINS,
                          authserv_ids=OURS, intermediaries=IKT)
    assert result.domain_numbers == frozenset({"3041"})


def test_a_forwarded_lookalike_is_flagged():
    result = check_sender(forward("arkiv@ikt-hallingdal.no", "x@gol-kommune.com"),
                          domain_numbers=DOMAINS, authserv_ids=OURS, intermediaries=IKT,
                          lookalikes=lookalike_index(list(DOMAINS)))
    assert result.lookalike_of == "gol.kommune.no"
