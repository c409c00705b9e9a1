"""The campaign's outbound mail end to end: the public sample delivered in its three
batches, the worker run at the sample's times, every mail caught by a real SMTP server.

GIVEN the labelled public sample (batches A, B and C by arrival), contacts imported, a
maildir inbox and an aiosmtpd sink,
WHEN `run --once` and `remind` run at the times of the campaign (each twice),
THEN every accepted submission got exactly one acknowledgement, to the right addresses
and in its municipality's language form; nobody the sample marks "no reply" got mail;
the 21-day and 7-day reminders went once to exactly the municipalities without an answer
at that moment; after the deadline nothing but the late notices went out.
"""
from __future__ import annotations

import shutil
from collections import Counter

import pytest

from tests.fixtures.smtp import SmtpSink
from tests.helpers import PUBLIC, cli_json, load_truth, make_config, run_cli

pytestmark = pytest.mark.slow

LANGUAGE = {"bokmål": "nb", "nynorsk": "nn", "nøytral": "nb"}


def _deliver(truth: dict, batch: str, inbox) -> None:
    for m in truth["messages"]:
        if m["batch"] == batch:
            shutil.copy(PUBLIC / m["file"], inbox / "new" / m["file"].split("/")[-1])


def _run(config, *args) -> str:
    result = run_cli(config, *args)
    assert result.code == 0, result.err
    return result.out


def _twice(config, *args) -> None:
    """The timeline runs each step twice: the second must change nothing."""
    for _ in range(2):
        _run(config, *args)


@pytest.fixture(scope="module")
def sink():
    """One plain SMTP sink for the whole campaign (the factory fixture is per test)."""
    server = SmtpSink(tls="", cert=None, auth=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def campaign(tmp_path_factory, sink):
    tmp = tmp_path_factory.mktemp("campaign")
    inbox = tmp / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    config = make_config(tmp, inbox=inbox)
    text = config.read_text(encoding="utf-8").replace(
        f'url = "maildir://{tmp / "outbox"}"', f'url = "{sink.url}"')
    config.write_text(text, encoding="utf-8")
    truth = load_truth()
    _run(config, "db", "upgrade")
    _run(config, "municipalities", "import", str(PUBLIC / "contacts.csv"))
    seen: dict[str, list] = {}

    def mark(step: str) -> None:
        seen[step] = list(sink.messages)

    _deliver(truth, "A", inbox)
    _twice(config, "run", "--once", "--now", "2020-06-05T10:00:00+02:00")
    mark("A")
    status_0610 = cli_json(config, "status", "--json", "--now", "2020-06-10T09:00:00+02:00")
    munis_0610 = {m["number"]: m["status"] for m in cli_json(config, "export", "municipalities")}
    _twice(config, "run", "--once", "--now", "2020-06-10T09:00:00+02:00")
    mark("remind21")
    _deliver(truth, "B", inbox)
    _twice(config, "run", "--once", "--now", "2020-06-23T16:00:00+02:00")
    mark("B")
    munis_0624 = {m["number"]: m["status"] for m in cli_json(config, "export", "municipalities")}
    _twice(config, "remind", "--now", "2020-06-24T09:00:00+02:00")
    _run(config, "send", "--once", "--now", "2020-06-24T09:00:00+02:00")
    mark("remind7")
    _run(config, "run", "--once", "--now", "2020-07-02T09:00:00+02:00")
    mark("after_deadline")
    _deliver(truth, "C", inbox)
    _twice(config, "run", "--once", "--now", "2020-07-03T10:00:00+02:00")
    mark("C")
    return {
        "truth": truth, "seen": seen, "config": config, "status_0610": status_0610,
        "munis_0610": munis_0610, "munis_0624": munis_0624,
        "submissions": cli_json(config, "export", "submissions"),
        "registry": {m["number"]: m for m in cli_json(config, "municipalities", "list", "--json")},
    }


def _new(c, before: str | None, after: str) -> list:
    start = len(c["seen"][before]) if before else 0
    return c["seen"][after][start:]


def _recipients(received) -> set[str]:
    return {a.lower() for a in received.rcpt_tos}


def test_one_acknowledgement_per_accepted_submission(campaign):
    acks = [r for r in campaign["seen"]["C"] if r.message["Auto-Submitted"] == "auto-replied"]
    by_reply_to = Counter(r.message["In-Reply-To"] for r in acks)
    accepted = [s for s in campaign["submissions"] if s["status"] == "accepted"]
    assert accepted, "the sample has accepted submissions"
    for sub in accepted:
        assert by_reply_to[sub["message_id"]] == 1, sub
    assert max(by_reply_to.values()) == 1, "no submission answered twice"


def test_acknowledgements_go_to_the_sender_and_the_official_address(campaign):
    truth = {m["message_id"]: m for m in campaign["truth"]["messages"]}
    acks = {r.message["In-Reply-To"]: r for r in campaign["seen"]["C"]
            if r.message["Auto-Submitted"] == "auto-replied"}
    for sub in campaign["submissions"]:
        if sub["status"] != "accepted":
            continue
        assert _recipients(acks[sub["message_id"]]) == set(truth[sub["message_id"]]["ack_addresses"]), sub


def test_acknowledgements_are_in_the_municipalitys_language_form(campaign):
    forms = _language_forms()
    acks = {r.message["In-Reply-To"]: r for r in campaign["seen"]["C"]
            if r.message["Auto-Submitted"] == "auto-replied"}
    checked = Counter()
    for sub in campaign["submissions"]:
        if sub["status"] == "accepted":
            lang = LANGUAGE[forms[sub["municipality_number"]]]
            assert acks[sub["message_id"]].message["Content-Language"] == lang
            checked[lang] += 1
    assert checked["nn"] >= 3 and checked["nb"] >= 10, checked


def test_no_mail_to_machines_or_doubtful_senders(campaign):
    """Auto-replies, spoofed and lookalike senders get no answer, ever (a spoofed sender
    may still be a municipality's real address, which gets its reminders)."""
    truth = campaign["truth"]["messages"]
    silent = {m["message_id"] for m in truth if m["no_reply"]}
    assert silent
    answered = {r.message["In-Reply-To"] for r in campaign["seen"]["C"]}
    assert not silent & answered
    for sub in campaign["submissions"]:
        if {"sender_not_authenticated", "sender_domain_mismatch"} & set(sub["reasons"]) \
                and sub["status"] != "accepted":
            assert sub["message_id"] not in answered, sub
    lookalike = {m["sender"] for m in truth if m["no_reply"] and not m["sender"].endswith(".kommune.no")}
    acks = set().union(*(_recipients(r) for r in campaign["seen"]["C"]))
    assert lookalike and not lookalike & acks


def test_the_21_day_reminder_goes_once_to_each_municipality_without_an_answer(campaign):
    reminders = _new(campaign, "A", "remind21")
    assert all(r.message["Auto-Submitted"] == "auto-generated" for r in reminders)
    contacts = {n: set(m["contacts"]) for n, m in campaign["registry"].items()}
    got = Counter(n for r in reminders for n, addrs in contacts.items() if _recipients(r) == addrs)
    expected = {n for n, st in campaign["munis_0610"].items() if st == "no_response"}
    assert set(got) == expected
    assert set(got.values()) == {1}
    assert len(reminders) == campaign["status_0610"]["no_response"]


def test_the_7_day_reminder_skips_who_answered_since(campaign):
    reminders = _new(campaign, "B", "remind7")
    contacts = {n: set(m["contacts"]) for n, m in campaign["registry"].items()}
    got = Counter(n for r in reminders for n, addrs in contacts.items() if _recipients(r) == addrs)
    expected = {n for n, st in campaign["munis_0624"].items() if st == "no_response"}
    assert set(got) == expected and set(got.values()) == {1}
    answered_in_b = {s["municipality_number"] for s in campaign["submissions"]
                     if s["status"] == "accepted" and s["received_at"] < "2020-06-24"}
    assert not answered_in_b & set(got)


def test_nothing_but_acknowledgements_between_the_steps(campaign):
    """The runs of 23 June (step 21 already sent, step 7 not yet due) send no reminder."""
    between = _new(campaign, "remind21", "B")
    assert between and all(r.message["Auto-Submitted"] == "auto-replied" for r in between)


def test_nothing_after_the_deadline_but_late_notices(campaign):
    assert _new(campaign, "remind7", "after_deadline") == []
    late = _new(campaign, "after_deadline", "C")
    late_subs = {s["message_id"] for s in campaign["submissions"] if s["late"]}
    assert late and {r.message["In-Reply-To"] for r in late} <= late_subs
    assert all(r.message["Auto-Submitted"] == "auto-replied" for r in late)


def test_every_mail_has_a_unique_message_id(campaign):
    ids = [r.message["Message-ID"] for r in campaign["seen"]["C"]]
    assert len(ids) == len(set(ids))


def test_status_shows_the_outbox(campaign):
    status = cli_json(campaign["config"], "status", "--json")
    assert status["outbox"]["sent"] == len(campaign["seen"]["C"])
    assert status["outbox"]["failed"] == 0 and status["outbox"]["queued"] == 0
    exported = cli_json(campaign["config"], "export", "municipalities")
    assert sum(m["reminders_sent"] for m in exported) == (
        len(_new(campaign, "A", "remind21")) + len(_new(campaign, "B", "remind7")))


def _language_forms() -> dict[str, str]:
    import csv
    from importlib.resources import files
    text = (files("storage") / "data" / "municipalities_2020.csv").read_text(encoding="utf-8")
    return {r["number"]: r["language_form"] for r in csv.DictReader(text.splitlines())}
