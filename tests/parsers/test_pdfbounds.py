"""PDF streams that would inflate past the bound are refused; images and normal PDFs pass."""
from __future__ import annotations

import zlib

import pytest

from parsers.pdfbounds import MB, stream_bomb
from tests.hostile.corpus import image_bomb_pdf, pdf_from_objects, stream_bomb_pdf, text_pdf


def test_a_deflated_content_stream_bomb_is_refused():
    assert "decompression bomb" in stream_bomb(stream_bomb_pdf(80 * MB), limit=50 * MB)


def test_an_image_stream_is_not_inflated():
    assert stream_bomb(image_bomb_pdf(side=8000), limit=MB) is None


@pytest.mark.parametrize("data", [
    pytest.param(text_pdf(["Gran kommune"]), id="fpdf2-text"),
    pytest.param(pdf_from_objects([b"<< /Length 5 /Filter /FlateDecode >>\nstream\n" + b"\x78\x9c\xff\xff\xff"
                                   + b"\nendstream"]), id="broken-deflate"),
    pytest.param(b">> stream\n" * 10_000, id="keywords-only"),
])
def test_ordinary_and_broken_pdfs_pass(data):
    assert stream_bomb(data) is None


def test_the_bound_is_on_inflated_bytes():
    body = zlib.compress(b" " * (2 * MB))
    pdf = pdf_from_objects([b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"])
    assert stream_bomb(pdf, limit=3 * MB) is None
    assert stream_bomb(pdf, limit=1 * MB) is not None
