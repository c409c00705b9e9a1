"""A throw-away PKI for signature tests: a root CA, signer certificates, signed PDFs.

Everything is generated per test run with ``cryptography`` and signed with pyHanko, so
no key material is kept in the repository.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore


@dataclass(frozen=True)
class Identity:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name: str = "Test Root CA", *, not_before: dt.datetime,
            days: int = 3650) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, "Test Trust Services")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_before + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return Identity(key, cert)


def make_signer(ca: Identity, common_name: str, *, organisation: str = "Test kommune",
                not_before: dt.datetime, days: int = 365) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(common_name, organisation))
            .issuer_name(ca.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_before + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca.key.public_key()), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return Identity(key, cert)


def sign_pdf(pdf: bytes, signer: Identity, ca: Identity) -> bytes:
    """``pdf`` with a PAdES signature by ``signer`` (its chain embedded, as Buypass does)."""
    key_der = signer.key.private_bytes(serialization.Encoding.DER,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
    simple = signers.SimpleSigner(
        signing_cert=signer.asn1, signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([ca.asn1]))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(field_name="Signature1",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.sign_pdf(writer, meta, signer=simple)
    return out.getvalue()


def append_text_update(signed: bytes, text: str) -> bytes:
    """An incremental update after the signature that puts ``text`` on the first page."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.content import RawContent

    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    font = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica")})
    resources = generic.DictionaryObject(page["/Resources"]) if "/Resources" in page \
        else generic.DictionaryObject()
    fonts = generic.DictionaryObject(resources.get("/Font", generic.DictionaryObject()))
    fonts[generic.NameObject("/FAdd")] = writer.add_object(font)
    resources[generic.NameObject("/Font")] = fonts
    stream = RawContent(f"BT /FAdd 12 Tf 72 72 Td ({text}) Tj ET".encode("latin-1"),
                        resources=None).render()
    content = writer.add_object(generic.StreamObject(stream_data=stream))
    page[generic.NameObject("/Contents")] = generic.ArrayObject(
        [page.raw_get("/Contents"), content] if "/Contents" in page else [content])
    page[generic.NameObject("/Resources")] = resources
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def flip_signed_byte(signed: bytes, needle: bytes) -> bytes:
    """``signed`` with one byte inside the signed range changed (same length)."""
    at = signed.index(needle)
    return signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]
