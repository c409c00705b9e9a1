"""Every message, PDF and TNEF blob of the peer corpus goes through the walk and the
extractor without an exception and in bounded time.

The corpus (other projects' test files, see shared/corpus/peer/README.md) lives next to
the repository, in ../shared. Its absence is a failure, not a skip: a green run must
mean the corpus was actually read.
"""
from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from parsers.extract import extract_text
from parsers.mime import parse_message
from parsers.types import DocumentText, ParsedMessage

PEER = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "peer"
# Generous: the slowest file takes well under a second on a laptop; this only catches hangs.
SECONDS_PER_FILE = 20.0
MISSING = "peer corpus missing"


def _files(folder: str) -> list[Path | str]:
    root = PEER / folder
    found = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    return found or [MISSING]


def _id(path: Path | str) -> str:
    return str(path.relative_to(PEER)) if isinstance(path, Path) else str(path)


def _require(path: Path | str) -> Path:
    if not isinstance(path, Path):
        pytest.fail(f"{MISSING}: no files under {PEER}; the peer corpus must be checked out "
                    "at ../shared/corpus/peer next to the repository")
    return path


def _walk_and_extract(raw: bytes) -> tuple[ParsedMessage, list[DocumentText]]:
    parsed = parse_message(raw)
    texts = [extract_text(doc) for doc in parsed.documents]
    for forwarded in parsed.forwarded:
        assert isinstance(forwarded, ParsedMessage)
    return parsed, texts


def _carrier(data: bytes, filename: str, subtype: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "carrier@example.invalid"
    msg["To"] = "akson@hod.dep.no"
    msg["Subject"] = f"peer file {filename}"
    msg.set_content("Attached.")
    msg.add_attachment(data, maintype="application", subtype=subtype, filename=filename)
    return msg.as_bytes()


def test_peer_corpus_is_present() -> None:
    assert PEER.is_dir(), f"{MISSING}: expected {PEER}"
    assert _files("mail") != [MISSING] and _files("pdf") != [MISSING]


@pytest.mark.parametrize("path", _files("mail"), ids=_id)
def test_peer_mail(path: Path | str) -> None:
    raw = _require(path).read_bytes()
    started = time.perf_counter()
    parsed, texts = _walk_and_extract(raw)
    elapsed = time.perf_counter() - started
    assert isinstance(parsed, ParsedMessage)
    assert len(texts) == len(parsed.documents)
    assert elapsed < SECONDS_PER_FILE, f"{_id(path)} took {elapsed:.1f} s"


@pytest.mark.parametrize(
    ("path", "subtype"),
    [(p, "pdf") for p in _files("pdf")] + [(p, "ms-tnef") for p in _files("tnef")],
    ids=lambda value: _id(value) if not isinstance(value, str) or value == MISSING else value,
)
def test_peer_file_as_attachment(path: Path | str, subtype: str) -> None:
    source = _require(path)
    raw = _carrier(source.read_bytes(), source.name, subtype)
    started = time.perf_counter()
    parsed, texts = _walk_and_extract(raw)
    elapsed = time.perf_counter() - started
    if subtype == "ms-tnef":
        # winmail.dat is a wrapper: what comes out is its files, each under its name,
        # or the blob itself when it cannot be unpacked. Nothing is lost either way.
        assert all(d.path[:1] == (source.name,) or d.data == source.read_bytes()
                   for d in parsed.documents)
    else:
        # The carrier holds exactly one file; it must come out as a document, whatever it is.
        assert len(parsed.documents) == 1
        assert parsed.documents[0].data == source.read_bytes()
    assert all(isinstance(t, DocumentText) for t in texts)
    assert elapsed < SECONDS_PER_FILE, f"{_id(path)} took {elapsed:.1f} s"
