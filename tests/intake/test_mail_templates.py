"""Mail templates: every template in both languages, the context contract, escaping,
header safety, overrides, the sandbox and the Norwegian date filters."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import jinja2
import pytest

from intake.mailtemplates import (
    CONTEXT_KEYS, MONTHS, MailTemplates, RenderedMail, TemplateError, clock_time, language_for,
    last_full_day, norwegian_date, packaged_dir,
)

OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.timezone.utc
DEADLINE = dt.datetime(2020, 7, 1, 0, 0, tzinfo=OSLO)
RECEIVED = dt.datetime(2020, 6, 16, 7, 15, tzinfo=UTC)           # 09:15 in Oslo (summer time)
RECEIVED_LATE = dt.datetime(2020, 6, 30, 22, 30, tzinfo=UTC)     # 00:30 on 1 July in Oslo

BO = {"number": "1867", "name": "Bø", "display_name": "Bø kommune", "county": "Nordland"}
KAUTOKEINO = {"number": "5430", "name": "Kautokeino", "county": "Troms og Finnmark",
              "display_name": "Guovdageainu suohkan – Kautokeino kommune"}
KVINNHERAD = {"number": "4617", "name": "Kvinnherad", "display_name": "Kvinnherad herad",
              "county": "Vestland"}
ORDFORER = {"name": "Ola Nordmann", "title": "ordfører"}
ORDFORAR = {"name": "Synnøve Haugland", "title": "ordførar"}
DIREKTOR = {"name": "Kari Nilsen", "title": "kommunedirektør"}

# Words only one of the two written standards uses, as our wording uses them.
BOKMAL_ONLY = r"\b(ikke|fra|mottatt|noe|derfor|hilsen|vennlig|dere|ennå)\b"
NYNORSK_ONLY = r"\b(ikkje|frå|motteke|noko|difor|helsing|vennleg|dykk|enno|underteikna)\b"


def context(municipality=BO, **submission) -> dict:
    sub = {"id": 42, "received_at": RECEIVED, "subject": "Signert intensjonserklæring",
           "attachment": "intensjonserklaering_signert.pdf", "signers": [ORDFORER],
           "signed_date": dt.date(2020, 6, 15), "kind": "declaration"}
    sub.update(submission)
    return {"campaign_name": "Akson – intensjonserklæring", "deadline": DEADLINE,
            "enquiries": "akson@hod.dep.no", "sender_name": "Helse- og omsorgsdepartementet",
            "municipality": municipality, "submission": sub}


def reminder(municipality=BO, *, step_days=7, days_left=7, final=False) -> dict:
    ctx = context(municipality)
    del ctx["submission"]
    return ctx | {"step_days": step_days, "days_left": days_left, "final": final}


@pytest.fixture(scope="module")
def mail() -> MailTemplates:
    return MailTemplates(timezone=OSLO)


# name, context, strings the text must contain (the same in nb and nn)
CASES = [
    pytest.param("ack_signed", context(), ["Bø kommune", "Ola Nordmann, ordfører", "15. juni 2020",
                 "16. juni 2020 kl. 09:15", "30. juni 2020", "intensjonserklaering_signert.pdf"],
                 id="ack_signed"),
    pytest.param("ack_signed", context(KAUTOKEINO, signers=[ORDFORER, DIREKTOR], attachment=None),
                 ["Guovdageainu suohkan – Kautokeino kommune", "Ola Nordmann, ordfører",
                  "Kari Nilsen, kommunedirektør"], id="ack_signed-two-signers-no-attachment"),
    pytest.param("ack_signed", context(KVINNHERAD, signers=[ORDFORAR], signed_date=None,
                                       kind="council_decision"),
                 ["Kvinnherad herad", "Synnøve Haugland, ordførar", "kommunestyrevedtaket",
                  "mottaksdatoen, 16. juni 2020"], id="ack_signed-council-no-date"),
    pytest.param("ack_signed", context(signers=[], subject=""), ["Bø kommune", "15. juni 2020"],
                 id="ack_signed-no-signers"),
    pytest.param("ack_decline", context(), ["Bø kommune", "Ola Nordmann, ordfører", "30. juni 2020",
                 "16. juni 2020 kl. 09:15"], id="ack_decline"),
    pytest.param("ack_decline", context(signers=[], attachment=None), ["Bø kommune", "30. juni 2020"],
                 id="ack_decline-unsigned"),
    pytest.param("ack_review", context(), ["Bø kommune", "16. juni 2020 kl. 09:15", "«Signert"],
                 id="ack_review"),
    pytest.param("ack_review", context(None, attachment=None), ["16. juni 2020 kl. 09:15", "Referanse: 42"],
                 id="ack_review-unknown-municipality"),
    pytest.param("reminder", reminder(step_days=21, days_left=21), ["Bø kommune", "30. juni 2020", "21 da"],
                 id="reminder"),
    pytest.param("reminder", reminder(KVINNHERAD, step_days=2, days_left=1, final=True),
                 ["Kvinnherad herad", "30. juni 2020", "1 dag igjen"], id="reminder-final"),
    pytest.param("late_notice", context(received_at=RECEIVED_LATE),
                 ["Bø kommune", "1. juli 2020 kl. 00:30", "30. juni 2020"], id="late_notice"),
    pytest.param("late_notice", context(None, received_at=RECEIVED_LATE, attachment=None, subject=""),
                 ["1. juli 2020 kl. 00:30", "30. juni 2020"], id="late_notice-unknown-municipality"),
]
LANGS = [pytest.param("nb", id="nb"), pytest.param("nn", id="nn")]


def test_names_are_the_packaged_templates(mail):
    assert mail.names() == ["ack_decline", "ack_review", "ack_signed", "late_notice", "reminder"]
    assert set(mail.names()) == set(CONTEXT_KEYS)
    assert mail.languages == ("nb", "nn")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, ctx, expected", CASES)
def test_every_template_renders_in_both_languages(mail, name, ctx, expected, lang):
    mail_out = mail.render(name, lang, ctx)
    assert isinstance(mail_out, RenderedMail)
    for part in (mail_out.subject, mail_out.text):
        assert part and "None" not in part and "{" not in part
    for fragment in [*expected, "akson@hod.dep.no", "Helse- og omsorgsdepartementet"]:
        assert fragment in mail_out.text
    own, other = (BOKMAL_ONLY, NYNORSK_ONLY) if lang == "nb" else (NYNORSK_ONLY, BOKMAL_ONLY)
    assert re.search(own, mail_out.text, flags=re.I)
    assert not re.search(other, mail_out.subject + mail_out.text, flags=re.I)
    assert ("Med vennlig hilsen" if lang == "nb" else "Med vennleg helsing") in mail_out.text
    assert ("mottatt" if lang == "nb" else "motteke") in mail_out.text.lower()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, ctx, expected", CASES)
def test_text_is_tidy(mail, name, ctx, expected, lang):
    text = mail.render(name, lang, ctx).text
    assert text.endswith("\n") and not text.endswith("\n\n") and not text.startswith("\n")
    assert "\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.splitlines())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, has_html", [("ack_signed", True), ("ack_decline", True),
                                            ("ack_review", True), ("reminder", False),
                                            ("late_notice", False)])
def test_acknowledgements_have_html(mail, name, has_html, lang):
    ctx = reminder() if name == "reminder" else context()
    html = mail.render(name, lang, ctx).html
    assert (html is not None) == has_html
    if html:
        assert f'<html lang="{lang}">' in html and "Bø kommune" in html and "16. juni 2020" in html


@pytest.mark.parametrize("name, key", [pytest.param(n, k, id=f"{n}-{k}")
                                       for n, keys in CONTEXT_KEYS.items() for k in keys])
def test_a_missing_context_key_fails_the_render(mail, name, key):
    ctx = reminder() if name == "reminder" else context()
    del ctx[key]
    with pytest.raises(TemplateError, match=rf"'{name}' \(nn\): context lacks {key}$"):
        mail.render(name, "nn", ctx)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", ["id", "received_at", "subject", "attachment", "signers",
                                 "signed_date", "kind"])
def test_a_missing_submission_key_is_strictly_undefined(mail, key, lang):
    ctx = context()
    del ctx["submission"][key]
    with pytest.raises(TemplateError) as info:
        mail.render("ack_signed", lang, ctx)
    assert isinstance(info.value.__cause__, jinja2.UndefinedError)
    assert key in str(info.value) and "\n" not in str(info.value)


def test_a_missing_municipality_key_is_strictly_undefined(mail):
    ctx = reminder()
    ctx["municipality"] = {k: v for k, v in BO.items() if k != "display_name"}
    with pytest.raises(TemplateError, match="display_name"):
        mail.render("reminder", "nb", ctx)


@pytest.mark.parametrize("name, lang, fragment", [
    pytest.param("no_such_template", "nb", "no template no_such_template.nb.txt", id="unknown-name"),
    pytest.param("ack_signed", "se", "unknown language", id="unknown-language"),
])
def test_unknown_template_or_language(mail, name, lang, fragment):
    with pytest.raises(TemplateError, match=fragment) as info:
        mail.render(name, lang, context())
    assert name in str(info.value) and lang in str(info.value)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["ack_signed", "ack_decline", "ack_review"])
def test_html_escapes_names_and_text_keeps_them(mail, name, lang):
    ctx = context({**BO, "display_name": "<script>alert(1)</script> & Co"},
                  signers=[{"name": "Våler & Co <b>", "title": "ordfører"}])
    out = mail.render(name, lang, ctx)
    assert "<script>" not in out.html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in out.html
    assert "<script>alert(1)</script> & Co" in out.text
    if name != "ack_review":   # the review acknowledgement names no signers
        assert "Våler &amp; Co &lt;b&gt;" in out.html and "Våler & Co <b>, ordfører" in out.text


@pytest.mark.parametrize("display_name", [
    pytest.param("Bø kommune\r\nBcc: x@y", id="crlf"),
    pytest.param("Bø kommune\nBcc: x@y", id="lf"),
    pytest.param("Bø kommune\rBcc: x@y", id="cr"),
    pytest.param("Bø kommune\x00\x0bBcc: x@y", id="nul-vt"),
    pytest.param("Bø kommune\u2028Bcc: x@y", id="line-separator"),
    pytest.param("Bø kommune\x85Bcc: x@y", id="next-line"),
])
def test_subject_cannot_inject_a_header(mail, display_name):
    subject = mail.render("ack_signed", "nb", context({**BO, "display_name": display_name})).subject
    assert subject == "Kvittering: Akson – intensjonserklæring – Bø kommune Bcc: x@y"
    msg = EmailMessage()
    msg["Subject"] = subject   # raises on CR/LF in a header value
    msg.set_content("x")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["Subject"] == subject


def test_an_override_replaces_only_the_file_with_its_path(tmp_path):
    (tmp_path / "ack_signed.nb.txt").write_text(
        "{% block subject %}Overstyrt: {{ municipality.display_name }}\n"
        "  {{ submission.signers[0].name }}{% endblock %}\n"
        "{% block body %}Lokal tekst for {{ municipality.name }}.   \n\n\n\nSlutt{% endblock %}\n",
        encoding="utf-8")
    (tmp_path / "extra.nb.txt").write_text("{% block subject %}x{% endblock %}{% block body %}"
                                           "y{% endblock %}", encoding="utf-8")
    mail = MailTemplates(timezone=OSLO, override_dir=tmp_path)
    ctx = context(signers=[{"name": "Ola\r\nBcc: x@y", "title": "ordfører"}])
    out = mail.render("ack_signed", "nb", ctx)
    assert out.subject == "Overstyrt: Bø kommune Ola Bcc: x@y"
    assert out.text == "Lokal tekst for Bø.\n\nSlutt\n"
    assert out.html is not None and "Vi har mottatt" in out.html   # HTML still packaged
    assert "Vi har motteke" in mail.render("ack_signed", "nn", ctx).text
    assert "extra" in mail.names()


def test_partials_are_not_template_names(tmp_path):
    assert (packaged_dir() / "_parts.nb.txt").is_file() and (packaged_dir() / "_layout.nn.html").is_file()
    packaged = MailTemplates(timezone=OSLO)
    (tmp_path / "_local.nb.txt").write_text("{% block subject %}x{% endblock %}{% block body %}"
                                            "y{% endblock %}", encoding="utf-8")
    mail = MailTemplates(timezone=OSLO, override_dir=tmp_path)
    assert mail.names() == packaged.names() == sorted(CONTEXT_KEYS)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["_parts", "_layout", "_local"])
def test_a_partial_is_refused_as_a_template_name(tmp_path, name, lang):
    (tmp_path / f"{name}.{lang}.txt").write_text("{% block subject %}x{% endblock %}{% block body %}"
                                                 "y{% endblock %}", encoding="utf-8")
    mail = MailTemplates(timezone=OSLO, override_dir=tmp_path)
    with pytest.raises(TemplateError, match=rf"^mail template '{name}' \({lang}\): a partial"):
        mail.render(name, lang, context())


# partial, what to replace in the packaged file, with what; which part of the mail shows it
PARTIAL_OVERRIDES = [
    pytest.param("_parts.nb.txt", "Med vennlig hilsen", "Vennlig hilsen fra oss", "text", id="parts-txt"),
    pytest.param("_parts.nb.html", ">Referanse<", ">Vår referanse<", "html", id="parts-html"),
    pytest.param("_layout.nb.html", "<meta charset=\"utf-8\">",
                 "<meta charset=\"utf-8\">\n<style>p { margin: 0 }</style>", "html", id="layout"),
]


@pytest.mark.parametrize("partial, old, new, part", PARTIAL_OVERRIDES)
def test_an_override_of_a_partial_takes_effect(tmp_path, mail, partial, old, new, part):
    packaged = (packaged_dir() / partial).read_text(encoding="utf-8")
    assert packaged.count(old) == 1
    (tmp_path / partial).write_text(packaged.replace(old, new), encoding="utf-8")
    overridden = MailTemplates(timezone=OSLO, override_dir=tmp_path)
    for name in ("ack_signed", "ack_decline", "ack_review"):
        before, after = mail.render(name, "nb", context()), overridden.render(name, "nb", context())
        assert new in getattr(after, part) and new not in getattr(before, part)
        assert getattr(after, part).replace(new, old) == getattr(before, part)
        other = "html" if part == "text" else "text"
        assert getattr(after, other) == getattr(before, other)
        assert overridden.render(name, "nn", context()) == mail.render(name, "nn", context())


def test_a_missing_override_directory_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        MailTemplates(timezone=OSLO, override_dir=tmp_path / "typo")


@pytest.mark.parametrize("body, cause", [
    pytest.param("{{ ''.__class__ }}", jinja2.exceptions.SecurityError, id="dunder-attribute"),
    pytest.param("{{ ''.__class__.__mro__[1].__subclasses__() }}", jinja2.exceptions.SecurityError,
                 id="subclasses"),
    pytest.param("{{ campaign_name.format.__globals__ }}", jinja2.exceptions.SecurityError,
                 id="globals"),
    pytest.param("{% for i in range(10**9) %}{% endfor %}", OverflowError, id="huge-range"),
    pytest.param("{{ no_such_name }}", jinja2.UndefinedError, id="undefined-name"),
    pytest.param("{{ submission.signed_date | klokke }}", TypeError, id="bad-filter-input"),
])
def test_the_sandbox_refuses_and_errors_become_template_errors(tmp_path, body, cause):
    (tmp_path / "evil.nb.txt").write_text(
        f"{{% block subject %}}x{{% endblock %}}{{% block body %}}{body}{{% endblock %}}", encoding="utf-8")
    mail = MailTemplates(timezone=OSLO, override_dir=tmp_path)
    with pytest.raises(TemplateError, match=r"^mail template 'evil' \(nb\): ") as info:
        mail.render("evil", "nb", context())
    assert isinstance(info.value.__cause__, cause)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("source, fragment", [
    pytest.param("{% block subject %}x{% endblock %}{% block body %}{% if %}{% endblock %}",
                 "TemplateSyntaxError", id="syntax"),
    pytest.param("{% block body %}y{% endblock %}", "no {% block subject %}", id="no-subject-block"),
])
def test_broken_templates_are_template_errors(tmp_path, source, fragment):
    (tmp_path / "broken.nn.txt").write_text(source, encoding="utf-8")
    mail = MailTemplates(timezone=OSLO, override_dir=tmp_path)
    with pytest.raises(TemplateError, match=re.escape(fragment)) as info:
        mail.render("broken", "nn", context())
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("month", range(1, 13), ids=MONTHS)
def test_month_names(month):
    assert norwegian_date(dt.date(2020, month, 1), OSLO) == f"1. {MONTHS[month - 1]} 2020"


@pytest.mark.parametrize("value, date_text, clock", [
    pytest.param(dt.datetime(2020, 6, 30, 22, 30, tzinfo=UTC), "1. juli 2020", "00:30", id="utc-to-next-day"),
    pytest.param(dt.datetime(2020, 6, 16, 7, 0, tzinfo=UTC), "16. juni 2020", "09:00", id="summer-time"),
    pytest.param(dt.datetime(2020, 1, 15, 8, 0, tzinfo=UTC), "15. januar 2020", "09:00", id="winter-time"),
    pytest.param(dt.datetime(2020, 12, 31, 23, 59, tzinfo=OSLO), "31. desember 2020", "23:59", id="local"),
])
def test_dates_and_clock_are_in_the_campaign_time_zone(value, date_text, clock):
    assert norwegian_date(value, OSLO) == date_text
    assert clock_time(value, OSLO) == clock


@pytest.mark.parametrize("deadline, expected", [
    pytest.param(dt.datetime(2020, 7, 1, tzinfo=OSLO), "30. juni 2020", id="midnight-local"),
    pytest.param(dt.datetime(2020, 6, 30, 22, 0, tzinfo=UTC), "30. juni 2020", id="midnight-as-utc"),
    pytest.param(dt.datetime(2020, 7, 1, 12, 0, tzinfo=OSLO), "1. juli 2020", id="noon"),
    pytest.param(dt.datetime(2020, 7, 1, 0, 0, 1, tzinfo=OSLO), "1. juli 2020", id="just-after-midnight"),
])
def test_frist_is_the_last_full_day(deadline, expected):
    assert last_full_day(deadline, OSLO) == expected


@pytest.mark.parametrize("call", [
    pytest.param(lambda: norwegian_date(dt.datetime(2020, 7, 1), OSLO), id="naive-date"),
    pytest.param(lambda: clock_time(dt.datetime(2020, 7, 1), OSLO), id="naive-clock"),
    pytest.param(lambda: last_full_day(dt.datetime(2020, 7, 1), OSLO), id="naive-deadline"),
])
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="naive"):
        call()


@pytest.mark.parametrize("form, default, expected", [
    ("bokmål", "nb", "nb"), ("bokmål", "nn", "nb"),
    ("nynorsk", "nb", "nn"), ("Nynorsk ", "nb", "nn"),
    ("nøytral", "nb", "nb"), ("nøytral", "nn", "nn"),
    ("", "nn", "nn"), ("samisk", "nb", "nb"),
    ("bokma\u030al", "nn", "nb"),   # decomposed å from a CSV export
], ids=lambda v: repr(v))
def test_language_for(form, default, expected):
    assert language_for(form, default) == expected


@pytest.mark.parametrize("default", ["no", "se", "", "NB"])
def test_language_for_refuses_an_unknown_default(default):
    with pytest.raises(ValueError, match="neutral_default"):
        language_for("nøytral", default)
