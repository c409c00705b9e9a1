"""Delivery reports about our own mail (parsers/dsn.py): bytes in, frozen report out."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from parsers.dsn import DIAGNOSTIC_MAX, DeliveryRecipient, DeliveryReport, parse_delivery_report

PEER = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "peer"


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# ---------------------------------------------------------------- samples

# Postfix, as our own relay sends it: the recipient's server refused the address.
POSTFIX = b"""Return-Path: <>
Received: by mx1.hod.dep.no (Postfix) id 4C1F2A0123; Wed, 10 Jun 2020 09:00:14 +0200 (CEST)
Date: Wed, 10 Jun 2020 09:00:14 +0200 (CEST)
From: MAILER-DAEMON@mx1.hod.dep.no (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: akson@hod.dep.no
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4C1F2A0123.1591772414/mx1.hod.dep.no"
Message-Id: <20200610070014.4C1F2A0123@mx1.hod.dep.no>

This is a MIME-encapsulated message.

--4C1F2A0123.1591772414/mx1.hod.dep.no
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.hod.dep.no.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<postmottak@gamle.kommune.no>: host mx.gamle.kommune.no[192.0.2.15] said: 550
    5.1.1 <postmottak@gamle.kommune.no>: Recipient address rejected: User
    unknown in virtual mailbox table (in reply to RCPT TO command)

--4C1F2A0123.1591772414/mx1.hod.dep.no
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.hod.dep.no
X-Postfix-Queue-ID: 4C1F2A0123
X-Postfix-Sender: rfc822; akson@hod.dep.no
Arrival-Date: Wed, 10 Jun 2020 09:00:12 +0200 (CEST)

Final-Recipient: rfc822; postmottak@gamle.kommune.no
Original-Recipient: rfc822;Postmottak@Gamle.Kommune.no
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.gamle.kommune.no
Diagnostic-Code: smtp; 550 5.1.1 <postmottak@gamle.kommune.no>: Recipient
    address rejected: User unknown in virtual mailbox table

--4C1F2A0123.1591772414/mx1.hod.dep.no
Content-Description: Undelivered Message
Content-Type: message/rfc822

Received: from app1.hod.dep.no (app1.hod.dep.no [10.0.4.5]) by mx1.hod.dep.no (Postfix)
\twith ESMTP id 4C1F2A0123; Wed, 10 Jun 2020 09:00:12 +0200 (CEST)
From: Helse- og omsorgsdepartementet <akson@hod.dep.no>
To: Postmottak Gamle kommune <Postmottak@Gamle.Kommune.no>
Subject: =?utf-8?q?P=C3=A5minnelse=3A_intensjonserkl=C3=A6ring_Akson?=
Date: Wed, 10 Jun 2020 09:00:11 +0200
Message-ID: <reminder-21-4601@hod.dep.no>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hei, vi minner om intensjonserkl\xc3\xa6ringen.

--4C1F2A0123.1591772414/mx1.hod.dep.no--
"""

# Exchange Online: text and HTML explanation, then the report, then the original's
# headers only, with a folded Message-ID.
EXCHANGE = crlf(b"""From: Microsoft Outlook <postmaster@hoddep.onmicrosoft.com>
To: <akson@hod.dep.no>
Date: Wed, 24 Jun 2020 07:00:06 +0000
Subject: Undeliverable: =?utf-8?q?P=C3=A5minnelse?=
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="_000_NDR_AM6PR0502MB3894_"
Content-Language: nb-NO
X-MS-Exchange-Message-Is-Ndr:
Message-ID: <e3b0c442-98fc-1c14-9afb-f4c8996fb924@AM6PR0502MB3894.eurprd05.prod.outlook.com>
MIME-Version: 1.0

--_000_NDR_AM6PR0502MB3894_
Content-Type: multipart/alternative; boundary="_alt_NDR_"

--_alt_NDR_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Meldingen kunne ikke leveres til ordforer@ukjent.kommune.no. Adressen ble ikke f=
unnet.

--_alt_NDR_
Content-Type: text/html; charset="utf-8"

<html><body><p>Meldingen kunne ikke leveres.</p></body></html>

--_alt_NDR_--

--_000_NDR_AM6PR0502MB3894_
Content-Type: message/delivery-status

Reporting-MTA: dns;AM6PR0502MB3894.eurprd05.prod.outlook.com
Received-From-MTA: dns;AM6PR0502MB3894.eurprd05.prod.outlook.com
Arrival-Date: Wed, 24 Jun 2020 07:00:05 +0000

Original-Recipient: rfc822;Ordforer@ukjent.kommune.no
Final-Recipient: rfc822;Ordforer@ukjent.kommune.no
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup
X-Display-Name: ordforer@ukjent.kommune.no

--_000_NDR_AM6PR0502MB3894_
Content-Type: text/rfc822-headers

From: Helse- og omsorgsdepartementet <akson@hod.dep.no>
To: =?utf-8?q?Ordf=C3=B8rer?= <Ordforer@ukjent.kommune.no>
Subject: =?utf-8?q?P=C3=A5minnelse?=
Date: Wed, 24 Jun 2020 09:00:04 +0200
Message-ID:
 <reminder-7-1134@hod.dep.no>
MIME-Version: 1.0

--_000_NDR_AM6PR0502MB3894_--
""")

# Gmail: the report nested in multipart/related, a long diagnostic folded over lines.
GMAIL = crlf(b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: akson@hod.dep.no
Subject: Delivery Status Notification (Failure)
Auto-Submitted: auto-replied
Message-ID: <5ee08a1b.1c69fb81.abc12.3d4eGMR@mx.google.com>
Date: Wed, 10 Jun 2020 00:00:13 -0700 (PDT)
MIME-Version: 1.0
Content-Type: multipart/report; boundary="000000000000a5b8a805a7e1c3f2"; report-type=delivery-status

--000000000000a5b8a805a7e1c3f2
Content-Type: multipart/related; boundary="000000000000a5c9d005a7e1c3f6"

--000000000000a5c9d005a7e1c3f6
Content-Type: multipart/alternative; boundary="000000000000a5c9d205a7e1c3f7"

--000000000000a5c9d205a7e1c3f7
Content-Type: text/plain; charset="UTF-8"

** Address not found **

Your message wasn't delivered to ola.nordmann@gmail.com because the address couldn't be found.

--000000000000a5c9d205a7e1c3f7
Content-Type: text/html; charset="UTF-8"

<html><body>Address not found</body></html>

--000000000000a5c9d205a7e1c3f7--
--000000000000a5c9d005a7e1c3f6--
--000000000000a5b8a805a7e1c3f2
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com
Received-From-MTA: dns; akson@hod.dep.no
Arrival-Date: Wed, 10 Jun 2020 00:00:12 -0700 (PDT)

Final-Recipient: rfc822; ola.nordmann@gmail.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; gmail-smtp-in.l.google.com. (2a00:1450:400c:c0b::1b, the server
 for the domain gmail.com.)
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try
 550-5.1.1 double-checking the recipient's email address for typos or
 550-5.1.1 unnecessary spaces. Learn more at
 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser s5si123456wrm.42 - gsmtp
Last-Attempt-Date: Wed, 10 Jun 2020 00:00:13 -0700 (PDT)

--000000000000a5b8a805a7e1c3f2
Content-Type: message/rfc822

From: akson@hod.dep.no
To: ola.nordmann@gmail.com, kopi@hod.dep.no
Subject: Akson
Message-ID: <ack-1@hod.dep.no>

Takk.

--000000000000a5b8a805a7e1c3f2--
""")

# qmail: plain text, the original pasted below a marker line.
QMAIL = b"""Return-Path: <>
From: MAILER-DAEMON@mx.gammel.kommune.no
To: akson@hod.dep.no
Subject: failure notice
Date: 10 Jun 2020 07:00:20 -0000
Message-ID: <20200610070020.12345.qmail@mx.gammel.kommune.no>

Hi. This is the qmail-send program at mx.gammel.kommune.no.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<postmottak@gammel.kommune.no>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <akson@hod.dep.no>
Received: from mx1.hod.dep.no (192.0.2.7) by mx.gammel.kommune.no with SMTP; 10 Jun 2020 07:00:19 -0000
From: Helse- og omsorgsdepartementet <akson@hod.dep.no>
To: postmottak@gammel.kommune.no, arkiv@gammel.kommune.no
Subject: =?utf-8?q?P=C3=A5minnelse?=
Message-ID: <reminder-21-5001@hod.dep.no>

Hei, vi minner om intensjonserklaeringen (svar til akson@hod.dep.no).
"""

# An appliance's bounce: no status code anywhere, the original after a dashed marker.
APPLIANCE = b"""From: postmaster@filter.nord.kommune.no
To: akson@hod.dep.no
Subject: Message could not be delivered

Your message could not be delivered to ordforer@nord.kommune.no.

----- Original message -----
From: akson@hod.dep.no
To: ordforer@nord.kommune.no
Message-ID: <reminder-2-0777@hod.dep.no>
Subject: Akson

Hei
"""

# Postfix again, but the recipient's server is only unreachable for now.
DELAYED = b"""From: MAILER-DAEMON@mx1.hod.dep.no (Mail Delivery System)
Subject: Delayed Mail (still being retried)
To: akson@hod.dep.no
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="D"

--D
Content-Type: text/plain

This is the mail system at host mx1.hod.dep.no.
####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

--D
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.hod.dep.no
Arrival-Date: Wed, 10 Jun 2020 09:00:12 +0200 (CEST)

Final-Recipient: rfc822; postmottak@treg.kommune.no
Original-Recipient: rfc822;postmottak@treg.kommune.no
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.treg.kommune.no[192.0.2.44]:25: Connection
    timed out
Will-Retry-Until: Fri, 12 Jun 2020 09:00:12 +0200 (CEST)

--D
Content-Type: text/rfc822-headers

From: akson@hod.dep.no
To: postmottak@treg.kommune.no
Message-ID: <reminder-21-0303@hod.dep.no>

--D--
"""

ORDINARY = b"""From: Anne Bo <anne.bo@tvedestrand.kommune.no>
To: akson@hod.dep.no
Subject: Signert intensjonserklaering
Message-ID: <abc@tvedestrand.kommune.no>
Content-Type: text/plain; charset=utf-8

Vedlagt. Original message follows in the attachment.
"""


def status_report(status_body: str, *, report_type: str = "delivery-status") -> bytes:
    """A minimal report around a delivery-status body (and the returned headers)."""
    return (
        "From: MAILER-DAEMON@mx.example.net\n"
        f"Content-Type: multipart/report; report-type={report_type}; boundary=\"B\"\n\n"
        "--B\nContent-Type: text/plain\n\nBounce.\n\n"
        f"--B\nContent-Type: message/delivery-status\n\n{status_body}\n"
        "--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: <x@hod.dep.no>\n\n--B--\n"
    ).encode()


def rec(address: str, action: str = "failed", status: str | None = "5.1.1",
        diagnostic: str | None = None) -> DeliveryRecipient:
    return DeliveryRecipient(address, action, status, diagnostic)


# ------------------------------------------------------------ standard reports

def test_postfix_bounce() -> None:
    report = parse_delivery_report(POSTFIX)
    assert report == DeliveryReport(
        original_message_id="<reminder-21-4601@hod.dep.no>",
        recipients=(rec("postmottak@gamle.kommune.no", diagnostic=(
            "550 5.1.1 <postmottak@gamle.kommune.no>: Recipient address rejected: "
            "User unknown in virtual mailbox table")),),
        reporting_mta="mx1.hod.dep.no",
        is_standard=True,
        original_to=("postmottak@gamle.kommune.no",),
    )
    assert report.failed == report.permanent == report.recipients


def test_exchange_ndr() -> None:
    report = parse_delivery_report(EXCHANGE)
    assert report is not None and report.is_standard
    assert report.original_message_id == "<reminder-7-1134@hod.dep.no>"   # folded header
    assert report.original_to == ("ordforer@ukjent.kommune.no",)
    assert report.reporting_mta == "AM6PR0502MB3894.eurprd05.prod.outlook.com"
    [recipient] = report.permanent
    assert (recipient.address, recipient.action, recipient.status) == (
        "ordforer@ukjent.kommune.no", "failed", "5.1.10")
    assert recipient.diagnostic.startswith("550 5.1.10 RESOLVER.ADR.RecipientNotFound")


def test_gmail_bounce() -> None:
    report = parse_delivery_report(GMAIL)
    assert report is not None and report.is_standard
    assert report.original_message_id == "<ack-1@hod.dep.no>"
    assert report.original_to == ("ola.nordmann@gmail.com", "kopi@hod.dep.no")
    [recipient] = report.permanent
    assert recipient.address == "ola.nordmann@gmail.com"
    assert recipient.status == "5.1.1"
    assert "\n" not in recipient.diagnostic
    assert recipient.diagnostic.startswith("550-5.1.1 The email account that you tried")
    assert recipient.diagnostic.endswith("- gsmtp")


def test_delayed_report_is_not_permanent() -> None:
    report = parse_delivery_report(DELAYED)
    assert report is not None and report.is_standard
    assert report.original_message_id == "<reminder-21-0303@hod.dep.no>"
    assert report.recipients == (rec(
        "postmottak@treg.kommune.no", "delayed", "4.4.1",
        "connect to mx.treg.kommune.no[192.0.2.44]:25: Connection timed out"),)
    assert report.failed == () and report.permanent == ()


def test_crlf_and_lf_read_the_same() -> None:
    assert parse_delivery_report(crlf(POSTFIX)) == parse_delivery_report(POSTFIX)


LONG = "smtp; 550 5.7.1 " + "blocked " * 100
TWO_NO_BLANK = ("Final-Recipient: rfc822; a@x.no\nAction: failed\nStatus: 5.1.1\n"
                "Final-Recipient: rfc822; b@x.no\nAction: failed\nStatus: 5.2.2\n")


@pytest.mark.parametrize(("body", "expected"), [
    ("Original-Recipient: rfc822;postmottak@x.no\nFinal-Recipient: rfc822;ola.nordmann@x.no\n"
     "Action: failed\nStatus: 5.1.1\n", (rec("postmottak@x.no"),)),
    ("Final-Recipient: rfc822;ola.nordmann@x.no\nAction: failed\nStatus: 5.1.1\n",
     (rec("ola.nordmann@x.no"),)),
    ("Final-Recipient: RFC822; <Ola@Example.NO>\nAction: FAILED\nStatus: 5.1.1\n",
     (rec("ola@example.no"),)),
    ("Final-Recipient: rfc822; a@x.no\nStatus: 5.5.0\n", (rec("a@x.no", status="5.5.0"),)),
    ("Final-Recipient: rfc822; a@x.no\nStatus: 4.2.2\n", (rec("a@x.no", "delayed", "4.2.2"),)),
    ("Final-Recipient: rfc822; a@x.no\nAction: failed\nStatus: 5.2.2 (mailbox full)\n",
     (rec("a@x.no", status="5.2.2"),)),
    ("Final-Recipient: rfc822; a@x.no\nAction: failed\nDiagnostic-Code: smtp; 554 5.7.1 spam\n",
     (rec("a@x.no", status="5.7.1", diagnostic="554 5.7.1 spam"),)),
    ("Final-Recipient: rfc822; a@x.no\nAction: failed\nDiagnostic-Code: X-LOCAL; 500 (nouser)\n",
     (rec("a@x.no", status=None, diagnostic="500 (nouser)"),)),
    (TWO_NO_BLANK, (rec("a@x.no"), rec("b@x.no", status="5.2.2"))),
    ("Reporting-MTA: dns; mx\n\n\n\nFinal-Recipient: rfc822; a@x.no\nAction: failed\nStatus: 5.1.1\n",
     (rec("a@x.no"),)),
    ("Reporting-MTA: dns; mx\nArrival-Date: Wed, 10 Jun 2020 09:00:12 +0200\n", ()),
    ("", ()),
    ("Final-Recipient: rfc822; a@x.no\nAction: delivered\nStatus: 2.0.0\n",
     (rec("a@x.no", "delivered", "2.0.0"),)),
], ids=["original-recipient-wins", "final-only", "case-and-brackets", "no-action-5xx",
        "no-action-4xx", "status-with-comment", "status-from-diagnostic",
        "no-enhanced-status", "two-recipients-no-blank-line", "many-blank-lines",
        "per-message-only", "empty", "delivered"])
def test_status_fields(body: str, expected: tuple[DeliveryRecipient, ...]) -> None:
    report = parse_delivery_report(status_report(body))
    assert report is not None and report.is_standard
    assert report.recipients == expected
    assert report.original_message_id == "<x@hod.dep.no>"


def test_diagnostic_is_one_bounded_line() -> None:
    body = ("Final-Recipient: rfc822; a@x.no\nAction: failed\nStatus: 5.7.1\n"
            f"Diagnostic-Code: {LONG}\n")
    [recipient] = parse_delivery_report(status_report(body)).recipients
    assert len(recipient.diagnostic) == DIAGNOSTIC_MAX
    assert recipient.diagnostic.startswith("550 5.7.1 blocked blocked")


def test_base64_delivery_status_part() -> None:
    encoded = base64.encodebytes(b"Reporting-MTA: dns; mx.example.net\n\n"
                                 b"Final-Recipient: rfc822; a@x.no\nAction: failed\nStatus: 5.1.1\n")
    raw = status_report("X").replace(
        b"Content-Type: message/delivery-status\n\nX\n",
        b"Content-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n" + encoded)
    report = parse_delivery_report(raw)
    assert report is not None
    assert (report.reporting_mta, report.recipients) == ("mx.example.net", (rec("a@x.no"),))


def test_bounce_of_a_bounce_is_read_as_the_outer_report() -> None:
    raw = status_report("Final-Recipient: rfc822; outer@x.no\nAction: failed\nStatus: 5.1.1\n")
    raw = raw.replace(b"Content-Type: text/rfc822-headers\n\nMessage-ID: <x@hod.dep.no>\n",
                      b"Content-Type: message/rfc822\n\n" + POSTFIX)
    report = parse_delivery_report(raw)
    assert report is not None
    assert [r.address for r in report.recipients] == ["outer@x.no"]
    assert report.original_message_id == "<20200610070014.4C1F2A0123@mx1.hod.dep.no>"


def test_report_nested_in_a_mixed_wrapper() -> None:
    """A gateway that adds a disclaimer wraps the report in multipart/mixed."""
    body = POSTFIX.split(b"\n\n", 1)[1]
    head = (b"Content-Type: multipart/report; report-type=delivery-status;\n"
            b"\tboundary=\"4C1F2A0123.1591772414/mx1.hod.dep.no\"\n\n")
    raw = (b"From: postmaster@hod.dep.no\nContent-Type: multipart/mixed; boundary=\"W\"\n\n"
           b"--W\n" + head + body + b"\n--W\nContent-Type: text/plain\n\nDisclaimer\n--W--\n")
    report = parse_delivery_report(raw)
    assert report is not None and report.is_standard
    assert report.original_message_id == "<reminder-21-4601@hod.dep.no>"


# ------------------------------------------------------------ non-standard bounces

def test_qmail_bounce() -> None:
    report = parse_delivery_report(QMAIL)
    assert report == DeliveryReport(
        original_message_id="<reminder-21-5001@hod.dep.no>",
        recipients=(rec("postmottak@gammel.kommune.no",
                        diagnostic="Sorry, no mailbox here by that name. (#5.1.1)"),),
        reporting_mta=None,
        is_standard=False,
        original_to=("postmottak@gammel.kommune.no", "arkiv@gammel.kommune.no"),
    )
    assert report.permanent == report.recipients


def test_bounce_without_status_is_permanent() -> None:
    report = parse_delivery_report(APPLIANCE)
    assert report is not None and not report.is_standard
    assert report.original_message_id == "<reminder-2-0777@hod.dep.no>"
    assert report.recipients == (rec("ordforer@nord.kommune.no", status=None),)
    assert report.permanent == report.recipients


def test_bounce_with_original_attached() -> None:
    raw = (b"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>\n"
           b"Subject: Returned mail: see transcript for details\n"
           b"Content-Type: multipart/mixed; boundary=\"M\"\n\n"
           b"--M\nContent-Type: text/plain\n\n"
           b"   ----- The following addresses had permanent fatal errors -----\n"
           b"<radmann@vest.kommune.no>\n    (reason: 550 5.1.1 User unknown)\n\n"
           b"--M\nContent-Type: message/rfc822\n\n"
           b"From: akson@hod.dep.no\nTo: radmann@vest.kommune.no\n"
           b"Message-ID:\n\t<reminder-7-0042@hod.dep.no>\n\nHei\n--M--\n")
    report = parse_delivery_report(raw)
    assert report is not None and not report.is_standard
    assert report.original_message_id == "<reminder-7-0042@hod.dep.no>"
    assert report.recipients == (rec("radmann@vest.kommune.no",
                                     diagnostic="(reason: 550 5.1.1 User unknown)"),)


def test_plain_delay_warning_is_not_a_failure() -> None:
    raw = QMAIL.replace(b"Subject: failure notice",
                        b"Subject: Warning: could not send message for past 4 hours")
    report = parse_delivery_report(raw)
    assert report is not None
    assert {r.action for r in report.recipients} == {"delayed"}
    assert report.permanent == ()


def test_ip_address_is_not_a_status() -> None:
    raw = APPLIANCE.replace(b"to ordforer@nord.kommune.no.",
                            b"to ordforer@nord.kommune.no (host 10.4.1.12 refused).")
    [recipient] = parse_delivery_report(raw).recipients
    assert recipient.status is None


def test_report_declared_without_status_part() -> None:
    raw = (b"From: postmaster@mx.example.net\nSubject: Undeliverable\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
           b"--b\nContent-Type: text/plain\n\nDelivery to the following recipients failed.\n\n"
           b"       ordforer@nord.kommune.no\n\n--b--\n")
    report = parse_delivery_report(raw)
    assert report is not None and not report.is_standard
    assert report.original_message_id is None
    assert report.recipients == (rec("ordforer@nord.kommune.no", status=None),)


def test_broken_boundary_still_finds_the_fields() -> None:
    raw = POSTFIX.replace(b'\tboundary="4C1F2A0123.1591772414/mx1.hod.dep.no"', b"\tbo")
    report = parse_delivery_report(raw)
    assert report is not None and not report.is_standard
    assert report.original_message_id == "<reminder-21-4601@hod.dep.no>"
    assert [(r.address, r.status) for r in report.recipients] == [
        ("postmottak@gamle.kommune.no", "5.1.1")]


# ------------------------------------------------------------ not reports

@pytest.mark.parametrize("raw", [
    ORDINARY,
    # A postmaster who is a person, quoting our mail the Outlook way.
    b"From: postmaster@vest.kommune.no\nTo: akson@hod.dep.no\nSubject: SV: Akson\n\n"
    b"Vi svarer snart.\n\n-----Original Message-----\nFrom: akson@hod.dep.no\nSubject: Akson\n",
    status_report("Final-Recipient: rfc822; a@x.no", report_type="disposition-notification")
    .replace(b"message/delivery-status", b"message/disposition-notification"),
    b"From: abuse@example.net\n"
    b"Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n\n"
    b"--F\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n--F--\n",
    b"From: MAILER-DAEMON@mx.example.net\nSubject: Hello\n\nNothing returned here.\n",
], ids=["ordinary", "human-postmaster", "read-receipt", "feedback-report", "daemon-no-evidence"])
def test_not_a_delivery_report(raw: bytes) -> None:
    assert parse_delivery_report(raw) is None


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\xff\xfe\x80" * 64,
    b"Content-Type: multipart/report; report-type=delivery-status\n\n--\n",
    b"Content-Type: multipart/report; boundary=\"a\"\n\n"
    b"--a\nContent-Type: message/delivery-status\n\n--a--",
    b"Content-Type: message/delivery-status\n\nFinal-Recipient",
    b"From: MAILER-DAEMON@\nSubject: =?utf-8?b?!!!?=\n\nMessage-ID: <",
    b"From: \xff\xfe@\xc3\nContent-Type: multipart/report; report-type=\"\"; boundary=x\n\n--x\n",
    bytearray(POSTFIX),
], ids=["empty", "garbage", "report-no-boundary", "empty-status-part", "top-level-status",
        "daemon-junk", "8bit-junk", "bytearray"])
def test_junk_does_not_raise(raw: bytes) -> None:
    result = parse_delivery_report(raw)
    assert result is None or isinstance(result, DeliveryReport)


@pytest.mark.parametrize("sample", [POSTFIX, EXCHANGE, GMAIL, QMAIL, DELAYED],
                         ids=["postfix", "exchange", "gmail", "qmail", "delayed"])
def test_truncated_messages_do_not_raise(sample: bytes) -> None:
    for end in range(0, len(sample), 37):
        result = parse_delivery_report(sample[:end])
        assert result is None or isinstance(result, DeliveryReport)


def test_truncated_after_the_status_part_keeps_the_recipient() -> None:
    report = parse_delivery_report(POSTFIX[:POSTFIX.index(b"Content-Description: Undelivered")])
    assert report is not None and report.original_message_id is None
    assert [r.status for r in report.permanent] == ["5.1.1"]


# ------------------------------------------------------------ peer corpus

def _peer_files() -> list[Path]:
    files = sorted(p for p in PEER.rglob("*") if p.is_file()) if PEER.is_dir() else []
    assert files, f"peer corpus missing: no files under {PEER}"
    return files


def test_peer_corpus_never_raises() -> None:
    """Every file of ../shared/corpus/peer (mail, PDF, TNEF) goes in; no exception comes out."""
    reports = {}
    for path in _peer_files():
        result = parse_delivery_report(path.read_bytes())
        assert result is None or isinstance(result, DeliveryReport), path
        if result is not None:
            reports[str(path.relative_to(PEER))] = result
    assert not any(name.startswith(("pdf/", "tnef/")) for name in reports)
    known = reports["mail/mimekit/delivery-status.eml"]
    assert known.original_message_id == "<31FC7EB4.41C6@netscape.com>"
    assert [r.address for r in known.failed] == ["newsletter-request@imusic.com"]
    assert reports["mail/imap_tools/report_422.eml"].permanent == ()
    assert "mail/mimekit/disposition-notification.eml" not in reports
    assert "mail/mimekit/feedback-report.eml" not in reports
