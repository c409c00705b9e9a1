"""Turn HTML (mail bodies, HTML attachments) into plain text with line structure kept.

Only the text matters downstream (municipality names, signers, dates), so this keeps
block boundaries as line breaks and drops everything else. It never raises.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Elements whose content is never visible text.
_SKIP = {"script", "style", "head", "title", "template", "noscript", "xml", "object"}
# Elements that start a new line; table cells too, so each cell is its own line as in
# the docx extractor.
_BLOCK = {
    "p", "div", "br", "tr", "td", "th", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4",
    "h5", "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer",
    "address", "dd", "dt", "dl", "center", "form", "fieldset", "caption",
}
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\u00a0\u200b\r\f\v]+")
_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of ``markup``, one block per line, whitespace collapsed."""
    try:
        collector = _TextCollector()
        collector.feed(markup)
        collector.close()
        raw = "".join(collector.parts)
    except Exception:  # HTMLParser has raised on broken markup in some Python versions
        raw = html.unescape(_TAG.sub(" ", markup))
    # Blank lines carry no meaning in HTML (Outlook writes <p>&nbsp;</p> for them).
    lines = (_SPACES.sub(" ", line).strip() for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


def html_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in a <meta> tag near its top, if any."""
    match = _CHARSET_META.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None
