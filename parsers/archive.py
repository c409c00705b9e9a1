"""Zip archives inside submissions: which members count, their names, and the bounds.

Pure helpers for ``parsers.mime``, which opens the archive and walks its members like
any other file. Names are the hard part: Windows tools write them in the OEM code page
without saying so, and 7-Zip and WinRAR put the real name in an extra field.
"""
from __future__ import annotations

import zipfile
from typing import Protocol

MB = 1024 * 1024


class ZipLimits(Protocol):
    zip_max_members: int
    zip_max_total: int
    zip_max_member: int
    zip_max_ratio: int


def archive_bounds_problem(members: list[zipfile.ZipInfo], limits: ZipLimits, *, used: int) -> str | None:
    """Why an archive must not be unpacked (count, size, compression ratio), or None.

    ``used``: bytes already taken out of archives for the same message.
    """
    if len(members) > limits.zip_max_members:
        return "zip_too_many_members"
    if any(i.file_size > limits.zip_max_member for i in members):
        return "zip_too_large"
    if sum(i.file_size for i in members) > limits.zip_max_total - used:
        return "zip_too_large"
    for info in members:
        # Tiny files may compress absurdly well without harm; only large ones count.
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MB and ratio > limits.zip_max_ratio:
            return "zip_bomb"
    return None


def is_junk(info: zipfile.ZipInfo) -> bool:
    """macOS resource forks and Windows thumbnails: copies of metadata, never documents."""
    name = info.filename.replace("\\", "/")
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base in (
        ".DS_Store", "Thumbs.db", "desktop.ini")


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it (path included)."""
    name = info.filename
    if not info.flag_bits & 0x800:      # no UTF-8 flag: zipfile decoded the name as cp437
        name = _unicode_path_extra(info.extra) or _redecode_cp437(name)
    return name


def _redecode_cp437(name: str) -> str:
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    try:
        return raw.decode("utf-8")    # macOS and Linux tools often omit the flag
    except UnicodeDecodeError:
        # Norwegian Windows writes names in its OEM code page 850 (æ, ø, å differ from 437).
        return raw.decode("cp850", "replace")


def _unicode_path_extra(extra: bytes) -> str | None:
    """The Info-ZIP Unicode Path extra field (0x7075), written by 7-Zip and WinRAR."""
    pos = 0
    while pos + 4 <= len(extra):
        tag = int.from_bytes(extra[pos:pos + 2], "little")
        size = int.from_bytes(extra[pos + 2:pos + 4], "little")
        body = extra[pos + 4:pos + 4 + size]
        if tag == 0x7075 and len(body) > 5 and body[0] == 1:
            return body[5:].decode("utf-8", "replace")
        pos += 4 + size
    return None
