"""Exceptions raised by the parsers package."""


class ParserError(Exception):
    """Base class of every error raised by ``parsers``."""


class UnreadableDocument(ParserError):
    """A document's bytes could not be turned into text (broken, encrypted, unsupported)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)
