"""Guess what bytes are: a file's type, the charset of text, the text of a header.

Mail clients and archive systems label attachments badly (``application/octet-stream``,
PDFs called ``.doc``, HTML error pages called ``.pdf``), so the bytes decide first and the
declared content type or file name only break ties. Charsets are treated the same way:
a declared charset is tried first, and text that does not decode in it still comes out.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import io
import re
import unicodedata
import zipfile

TYPES = (
    "pdf", "docx", "odt", "zip", "image", "text", "html",
    "rfc822", "tnef", "doc", "empty", "unknown",
)

# Acrobat accepts a PDF header anywhere in the first 1024 bytes; scanners and some
# gateways prepend junk, so we do the same.
_PDF_WINDOW = 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # Word .doc, Outlook .msg, Excel .xls
_TNEF = b"\x78\x9f\x3e\x22"                     # 0x223E9F78, little-endian (winmail.dat)
_ZIP_HEADS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
# A real [Content_Types].xml is a few KiB; a huge one is not worth inflating to look.
_CONTENT_TYPES_MAX = 1024 * 1024
# DIB header sizes that a real BMP carries at offset 14; "BM" alone is too weak a sign.
_BMP_DIB_SIZES = {12, 40, 52, 56, 64, 108, 124}

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b",
                         re.I | re.S)
_HTML_ANYWHERE = re.compile(rb"<html[\s>]|<body[\s>]|<!doctype\s+html", re.I)
# Header names that only a mail message starts with; one of them plus a second header
# line is required before text is called a message.
_MAIL_HEADER = re.compile(
    rb"^(received|return-path|from|message-id|mime-version|delivered-to|date|subject|to|"
    rb"x-[a-z0-9-]+|content-type|reply-to|dkim-signature|arc-[a-z-]+)[ \t]*:", re.I)
_STRONG_MAIL_HEADERS = (b"received", b"return-path", b"message-id", b"mime-version",
                        b"delivered-to", b"dkim-signature")

_EXTENSIONS = {
    "pdf": "pdf", "docx": "docx", "docm": "docx", "dotx": "docx", "odt": "odt",
    "zip": "zip", "jpg": "image", "jpeg": "image", "png": "image", "gif": "image",
    "tif": "image", "tiff": "image", "bmp": "image", "heic": "image", "heif": "image",
    "webp": "image", "txt": "text", "csv": "text", "htm": "html", "html": "html",
    "eml": "rfc822", "doc": "doc", "msg": "doc", "rtf": "text",
}
_DECLARED = {
    "application/pdf": "pdf", "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/zip": "zip", "application/x-zip-compressed": "zip",
    "application/msword": "doc", "application/vnd.ms-outlook": "doc",
    "application/ms-tnef": "tnef", "application/vnd.ms-tnef": "tnef",
    "text/plain": "text", "text/html": "html", "message/rfc822": "rfc822",
}


def detect_type(data: bytes, filename: str | None, declared: str) -> str:
    """Return one of ``TYPES`` for ``data``: magic bytes first, then declared type/extension."""
    if not data.strip(b" \t\r\n\x00"):
        return "empty"
    head = data[:_PDF_WINDOW]
    ext = _extension(filename)
    declared = (declared or "").split(";")[0].strip().lower()
    # Containers first: a winmail.dat or .msg with a small PDF inside has "%PDF-" in
    # its first kilobyte, but its own magic at byte 0 says what it is.
    if head.startswith(_TNEF):
        return "tnef"
    if head.startswith(_OLE2):
        return "doc"
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(_ZIP_HEADS):
        return _zip_flavour(data, ext, declared)
    if _is_image(head):
        return "image"
    if _HTML_START.match(head) or _HTML_ANYWHERE.search(head):
        return "html"
    if _looks_like_mail(head, ext, declared):
        return "rfc822"
    fallback = _DECLARED.get(declared) or _EXTENSIONS.get(ext)
    if declared.startswith("image/") and not fallback:
        fallback = "image"
    if fallback in ("text", "html") or (fallback is None and declared.startswith("text/")):
        return (fallback or "text") if _looks_like_text(head) else "unknown"
    if fallback:
        return fallback
    return "text" if _looks_like_text(head) else "unknown"


def _extension(filename: str | None) -> str:
    if not filename or "." not in filename:
        return ""
    return filename.rsplit(".", 1)[1].strip().lower()


def _zip_flavour(data: bytes, ext: str, declared: str) -> str:
    """Tell Word and OpenDocument files from plain zip archives by their member names."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names:
                info = zf.getinfo("mimetype")
                if info.file_size < 200 and zf.read(info).startswith(
                        b"application/vnd.oasis.opendocument"):
                    return "odt"
            if "[Content_Types].xml" in names:
                # Excel, PowerPoint or a docx with an unusual main part name.
                info = zf.getinfo("[Content_Types].xml")
                types = zf.read(info) if info.file_size < _CONTENT_TYPES_MAX else b""
                return "docx" if b"wordprocessingml.document.main" in types else "unknown"
    except Exception:  # a truncated or odd zip: let the name or label decide
        for guess in (_EXTENSIONS.get(ext), _DECLARED.get(declared)):
            if guess in ("docx", "odt"):
                return guess
    return "zip"


def _is_image(head: bytes) -> bool:
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a",
                        b"II*\x00", b"MM\x00*")):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return True
    if head.startswith(b"BM") and len(head) >= 18:
        return int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES
    return False


def _looks_like_mail(head: bytes, ext: str, declared: str) -> bool:
    """A message needs header lines at its very start; forwards are often octet-stream."""
    lines = head.lstrip(b"\r\n").split(b"\n", 20)[:20]
    if lines and lines[0].startswith(b"From ") and ext != "txt":   # mbox separator line
        lines = lines[1:]
    matched = [m.group(1).lower() for m in map(_MAIL_HEADER.match, lines) if m]
    if len(matched) < 2 or not _MAIL_HEADER.match(lines[0] if lines else b""):
        return False
    if declared.startswith("message/") or ext == "eml":
        return True
    # A .txt file or text/plain part that merely starts with "From:" stays text.
    if declared.startswith("text/") or ext == "txt":
        return False
    return any(name in _STRONG_MAIL_HEADERS for name in matched)


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= len(head) // 100


# ------------------------------------------------------------------- charsets

# Names seen in real mail that Python does not know, or knows under another name.
_CHARSET_ALIASES = {
    "iso-8859-8-i": "iso-8859-8", "ks_c_5601-1987": "cp949", "x-sjis": "shift_jis",
    "x-mac-roman": "mac_roman", "unicode-1-1-utf-7": "utf-7", "x-unicode20utf8": "utf-8",
    "utf8": "utf-8", "x-user-defined": "cp1252",
}
# Latin-1 and ASCII labels are widely used for windows-1252 text (the WHATWG rule);
# windows-1252 decodes the same letters and also the curly quotes and dashes.
_UPGRADE = {"iso8859-1": "cp1252"}


def codec_name(charset: str | None) -> str | None:
    """A Python text codec for a declared charset, or None when unknown or not text."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    # codecs.lookup also knows bytes-to-bytes codecs such as "base64" and "zlib".
    if not getattr(info, "_is_text_encoding", True):
        return None
    return _UPGRADE.get(info.name, info.name)


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Decode text that may lie about its charset; never raises."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    codec = codec_name(charset)
    if codec in (None, "ascii"):
        codec = "cp1252"          # undeclared 8-bit text: UTF-8 if it decodes, else 1252
        candidates = ["utf-8"]
    elif data.isascii():
        candidates = [codec]      # an escape-based codec (ISO-2022) that failed: keep it
    elif codec == "utf-8":
        candidates = ["utf-8", "cp1252"]   # the usual mislabel: windows-1252 sent as UTF-8
    else:
        candidates = [codec, "utf-8"]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError, ValueError):
            continue
    try:
        return data.decode(codec, "replace")
    except Exception:  # stateful codecs can fail even in replace mode
        return data.decode("cp1252", "replace")


# ------------------------------------------------------------ header text

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")
_QP_BYTE = re.compile(rb"=([0-9A-Fa-f]{2})")


def decode_header(value: object) -> str:
    """Header text with RFC 2047 words decoded, raw 8-bit bytes repaired, NFC, one line."""
    text = unfold_header(value)
    if "=?" in text:
        text = _decode_words(text)
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).strip()


def unfold_header(value: object) -> str:
    """Raw header value as text: 8-bit bytes (surrogate-escaped by the parser) decoded."""
    text = value if isinstance(value, str) else str(value)
    if "\x1b" in text and text.isascii():       # raw ISO-2022-JP, escapes and all
        try:
            text = text.encode("ascii").decode("iso2022_jp")
        except UnicodeError:
            pass
    if not text.isascii():
        try:
            text = decode_text(text.encode("utf-8", "surrogateescape"))
        except UnicodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return _FOLD.sub("", text)


def _decode_words(text: str) -> str:
    """Decode encoded words, also inside quotes and without spaces around them.

    Adjacent words in one charset are joined as bytes before decoding, because some
    mailers split a multi-byte UTF-8 character across two words.
    """
    pieces: list[list] = []   # [charset, bytes] for words, [None, str] for plain text
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[pos:match.start()]
        # Whitespace between two encoded words is folding, not text (RFC 2047, 6.2).
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append([None, between])
        charset = match.group(1).split("*", 1)[0]     # RFC 2231 language suffix
        raw = _word_bytes(match.group(2).upper(), match.group(3))
        if raw is None:
            pieces.append([None, match.group(0)])
        elif pieces and pieces[-1][0] is not None and pieces[-1][0].lower() == charset.lower():
            pieces[-1][1] += raw
        else:
            pieces.append([charset, raw])
        pos = match.end()
    pieces.append([None, text[pos:]])
    return "".join(p[1] if p[0] is None else decode_text(p[1], p[0]) for p in pieces)


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    if encoding == "Q":
        raw = payload.replace("_", " ").encode("utf-8", "replace")
        return _QP_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    if not cleaned and payload:
        return None
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return None
