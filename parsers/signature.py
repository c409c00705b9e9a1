"""Digital signatures in PDFs (PAdES and plain CMS), read and checked with pyHanko.

For each signature: who signed (the certificate's common name), when the signer says
it signed, whether the signed bytes are intact, whether the document was changed after
signing, and whether the certificate chains to one of the trust roots we were given.

Validation is offline and repeatable: nothing is fetched (no OCSP, no CRL, no AIA), and
certificates are judged at the moment passed in (the message's receipt time), never
at the wall clock. Revocation therefore is not checked; a qualified issuer's
certificate that was revoked before the campaign still counts as trusted, which staff
can overrule. Production trusts the Norwegian qualified issuers (Buypass, Commfides)
through ``[signatures] trust_roots``; with no roots nothing is trusted.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from parsers.errors import ParserError
from parsers.types import SignatureCheck

# pyHanko logs every failed path search with a traceback; the outcome is in each
# SignatureCheck's detail, and an untrusted signature is ordinary input, not an error.
for _name in ("pyhanko.sign.validation", "pyhanko.sign.diff_analysis", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

# A PDF signature always has a /ByteRange; a PDF without one has nothing for pyHanko to
# do, so most documents skip the (slower) object-level parse.
_MARKER = b"/ByteRange"
# Changes after signing that cannot alter what the page says: none at all, or the
# validation data (DSS, timestamps) that long-term signatures add. Form filling and
# annotations can put new text on the page, so they count as changes.
_UNCHANGED_LEVELS = {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES}
# A signer certificate's key usage is not checked: Norwegian personal certificates
# vary (digitalSignature, nonRepudiation or both) and it says nothing about who signed.
_ANY_KEY_USAGE = KeyUsageConstraints(key_usage=set(), match_all_key_usages=False)
# More signatures than this in one declaration is not a declaration; stop reading.
MAX_SIGNATURES = 10


class TrustRootError(ParserError):
    """Bytes given as a trust root are not an X.509 certificate."""


def parse_trust_roots(data: bytes) -> tuple[x509.Certificate, ...]:
    """The certificates in a PEM file (one or more) or a single DER certificate."""
    try:
        if pem.detect(data):
            blobs = [der for kind, _headers, der in pem.unarmor(data, multiple=True)
                     if kind == "CERTIFICATE"]
        else:
            blobs = [data]
        certs = tuple(x509.Certificate.load(der) for der in blobs)
        for cert in certs:
            cert.native    # parse now, so a broken file fails at start-up, not per message
    except (ValueError, TypeError) as err:
        raise TrustRootError(f"not an X.509 certificate ({err})") from err
    if not certs:
        raise TrustRootError("no CERTIFICATE block in the file")
    return certs


def has_signature(data: bytes) -> bool:
    return _MARKER in data


def read_signatures(data: bytes, *, trust_roots: Sequence[x509.Certificate],
                    moment: dt.datetime) -> tuple[SignatureCheck, ...]:
    """Every signature of the PDF ``data``, checked; never raises.

    A PDF that carries a signature dictionary pyHanko cannot read gives one check that
    is not intact, so a damaged signature is never mistaken for no signature.
    """
    if not has_signature(data):
        return ()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as err:  # malformed PDFs raise many kinds of error
        return (_unreadable(f"signature could not be read ({type(err).__name__})"),)
    checks = []
    for sig in embedded[:MAX_SIGNATURES]:
        checks.append(_check(sig, trust_roots, moment))
    return tuple(checks)


def _check(sig, trust_roots: Sequence[x509.Certificate], moment: dt.datetime) -> SignatureCheck:
    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False,
                                moment=moment, revocation_mode="soft-fail")
    try:
        cert = sig.signer_cert
        status = validate_pdf_signature(sig, context, key_usage_settings=_ANY_KEY_USAGE)
    except Exception as err:  # a signature pyHanko cannot even evaluate is not valid
        return _unreadable(f"signature could not be validated ({type(err).__name__}: {err})")
    unchanged = status.coverage is not None and status.coverage.name in (
        "ENTIRE_FILE", "ENTIRE_REVISION") and _unchanged(status)
    return SignatureCheck(
        signer=_attribute(cert, "common_name"),
        title=(_attribute(cert, "title") or "").lower(),
        organisation=_attribute(cert, "organization_name") or "",
        issuer=_attribute_of(cert.issuer, "common_name") or "",
        signed_at=status.signer_reported_dt,
        intact=bool(status.intact and status.valid),
        unchanged=unchanged,
        trusted=bool(status.trusted),
        detail=_summary(status, unchanged),
    )


def _unchanged(status) -> bool:
    level = getattr(status, "modification_level", None)
    if status.coverage.name == "ENTIRE_FILE":
        return True
    return level in _UNCHANGED_LEVELS


def _summary(status, unchanged: bool) -> str:
    parts = ["intact" if status.intact and status.valid else "digest or signature does not match",
             "unchanged since signing" if unchanged else "changed after signing",
             "trusted" if status.trusted else "not trusted (no path to a configured root)"]
    return ", ".join(parts)


def _attribute(cert: x509.Certificate, name: str) -> str | None:
    return _attribute_of(cert.subject, name)


def _attribute_of(name: x509.Name, attribute: str) -> str | None:
    try:
        value = name.native.get(attribute)
    except Exception:
        return None
    if isinstance(value, list):    # a repeated attribute: the first is the main one
        value = value[0] if value else None
    return str(value).strip() or None if value is not None else None


def _unreadable(detail: str) -> SignatureCheck:
    return SignatureCheck(signer=None, signed_at=None, intact=False, unchanged=False,
                          trusted=False, detail=detail)
