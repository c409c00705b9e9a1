"""Municipality pages: what they show, and editing contacts with the import's rules."""
from __future__ import annotations

import html
import re

import pytest

from storage import contacts, repo
from storage.db import session_scope
from storage.errors import ContactImportError
from intake.web.municipalities import import_text, ContactForm
from tests.web import seed as seeded
from tests.web.pages_helper import client, page_text, csrf_of, site, sqlite_site  # noqa: F401 - fixtures


def _record(app, number):
    with session_scope(app.sessions) as s:
        return next(r for r in repo.municipality_rows(s) if r.number == number)


def test_page_shows_status_mail_failures_and_bounces(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "leser") as c:
        r = c.get("/kommuner/4601")
    assert r.status_code == 200
    text = page_text(r.text)
    assert "Bergen" in text and "Ikke svart" in text and "283 929" in text
    assert "Påminnelse (7 dager før fristen)" in text and seeded.FAILED_REPLY in text
    assert "Kom i retur 10.06.2020 11:00: " + seeded.BOUNCE_DETAIL in text
    assert "Lagre kontakter" not in text          # a viewer does not get the form


def test_hostile_subject_and_file_name_are_shown_as_text(sqlite_site):  # noqa: F811
    app, ids = sqlite_site
    with client(app, "leser") as c:
        page = c.get("/kommuner/1103").text
    assert "<img src=x" not in page and "<script>alert" not in page
    assert html.escape(seeded.HOSTILE_SUBJECT, quote=False).replace('"', "&#34;") in page
    assert seeded.HOSTILE_FILE in page_text(page)
    assert f'href="/review/{ids["stavanger"]}"' in page          # in review: linked to its review page


def test_signed_municipality_lists_its_staff_accepted_submission(sqlite_site):  # noqa: F811
    app, ids = sqlite_site
    with client(app, "leser") as c:
        text = page_text(c.get("/kommuner/3446").text)
    assert "Signert fra 02.06.2020 10:00" in text and "Kari Nordmann (ordfører)" in text
    assert f"#{ids['gran']}" in text and "kari, 10.06.2020 12:00" in text
    assert "Kvittering" in text and "Godkjent av saksbehandler" in text   # the audit entry of the acceptance


def test_unknown_municipality_is_not_found(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "leser") as c:
        assert c.get("/kommuner/9999").status_code == 404
        assert c.get("/kommuner/abc").status_code == 404


def test_list_filters_by_status(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "leser") as c:
        page = c.get("/kommuner?status=no_response").text
    assert re.findall(r'href="/kommuner/(\d{4})"', page) == ["1804", "3025", "3401", "4601"]


def _post(c, number, **fields):
    token = csrf_of(c.get(f"/kommuner/{number}").text)
    return c.post(f"/kommuner/{number}/kontakter", data={"csrf_token": token, **fields})


def test_reviewer_edits_contacts_and_domains_and_it_is_logged(site):  # noqa: F811
    app, _ids = site
    with client(app, "kari") as c:
        r = _post(c, "4601", email="Post@Bergen.kommune.no", cc="arkiv@bergen.kommune.no\nordforer@bergen.kommune.no",
                  domains="bergen.no")
        assert r.status_code == 303 and r.headers["location"] == "/kommuner/4601#kontakter"
        text = page_text(c.get("/kommuner/4601").text)
    record = _record(app, "4601")
    assert record.official_email == "post@bergen.kommune.no"
    assert record.cc_emails == ("arkiv@bergen.kommune.no", "ordforer@bergen.kommune.no")
    assert record.domains == ("bergen.no",)
    assert "Kontaktopplysningene er lagret." in text and "kari Kontakter endret" in text
    with session_scope(app.sessions) as s:
        entry = repo.audit_for_municipality(s, "4601")[0]
        assert (entry.actor, entry.action) == ("kari", "contacts_edited")
        assert entry.details["before"]["email"] == seeded.BERGEN_MAIL
        assert entry.details["after"]["cc"] == ["arkiv@bergen.kommune.no", "ordforer@bergen.kommune.no"]


@pytest.mark.parametrize("fields, field_id, message", [
    pytest.param({"email": "postmottak.bergen.kommune.no"}, "f-email", "en adresse må ha nøyaktig én @", id="no-at"),
    pytest.param({"email": "Kari <k@bergen.kommune.no>"}, "f-email", "uten navn og mellomrom", id="display-name"),
    pytest.param({"email": ""}, "f-email", "må fylles ut", id="empty"),
    pytest.param({"cc": "ok@bergen.no\nfeil@"}, "f-cc", "«feil@»: domenet mangler", id="bad-cc"),
    pytest.param({"domains": "bergen_kommune.no"}, "f-domains", "«bergen_kommune.no»: ugyldig domene", id="bad-domain"),
])
def test_refused_input_changes_nothing_and_says_why(sqlite_site, fields, field_id, message):  # noqa: F811
    app, _ids = sqlite_site
    form = {"email": seeded.BERGEN_MAIL, "cc": "", "domains": "", **fields}
    # The same input is refused by the import itself: the page applies the import's rules.
    with pytest.raises(ContactImportError):
        contacts.parse_contacts(import_text("4601", ContactForm(**form)), {"4601"})
    with client(app, "kari") as c:
        r = _post(c, "4601", **form)
    assert r.status_code == 400
    assert f'id="{field_id}-error"' in r.text and message in page_text(r.text)
    assert f'id="{field_id}"' in r.text and 'aria-invalid="true"' in r.text
    assert _record(app, "4601").official_email == seeded.BERGEN_MAIL
    with session_scope(app.sessions) as s:
        assert [a.action for a in repo.audit_for_municipality(s, "4601")] == []


def test_viewer_cannot_edit_and_a_post_without_token_is_refused(site):  # noqa: F811
    app, _ids = site
    with client(app, "leser") as c:
        assert _post(c, "4601", email="x@bergen.kommune.no").status_code == 403
    with client(app, "kari") as c:
        r = c.post("/kommuner/4601/kontakter", data={"email": "x@bergen.kommune.no"})
        assert r.status_code == 403
    assert _record(app, "4601").official_email == seeded.BERGEN_MAIL
