"""The maildir adapter (intake/mailbox/maildir.py), on a temporary directory."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from intake.mailbox import MailboxError, MaildirMailbox, MessageNotFound, open_mailbox

RAW = b"From: postmottak@kommune.no\r\nSubject: Intensjonserklaering\r\n\r\nSigned.\r\n"


def deliver(root: Path, name: str, raw: bytes = RAW, *, sub: str = "new", mtime: float | None = None) -> Path:
    path = root / sub / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_open_mailbox_resolves_relative_path_against_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    box = open_mailbox("maildir://./var/inbox")
    assert isinstance(box, MaildirMailbox)
    assert box.key == f"maildir://{tmp_path / 'var' / 'inbox'}"


def test_enter_creates_the_structure(tmp_path: Path) -> None:
    with MaildirMailbox(tmp_path / "inbox") as box:
        assert box.pending(0) == []
        assert box.uidvalidity() == 1
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["cur", "new", "tmp"]


def test_pending_lists_new_and_cur_by_mtime_then_name(tmp_path: Path) -> None:
    """GIVEN messages in new/ and cur/ with mixed mtimes, tmp/ and dotfiles
    WHEN pending() is asked
    THEN it lists new/ and cur/ oldest first, name breaking ties, nothing else."""
    root = tmp_path / "inbox"
    deliver(root, "300.b", mtime=1_593_000_300)
    deliver(root, "300.a", mtime=1_593_000_300)
    deliver(root, "100.x:2,S", sub="cur", mtime=1_593_000_100)
    deliver(root, "200.y", mtime=1_593_000_200)
    deliver(root, "999.partial", sub="tmp", mtime=1_593_000_000)
    deliver(root, ".hidden", mtime=1_593_000_000)
    (root / "new" / "subdir").mkdir()
    with MaildirMailbox(root) as box:
        assert box.pending(0) == ["100.x", "200.y", "300.a", "300.b"]
        assert box.pending(12345) == ["100.x", "200.y", "300.a", "300.b"]   # no UIDs in maildir


def test_fetch_returns_bytes_and_mtime_as_utc(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    deliver(root, "1593000000.M1P2.host", mtime=1_593_000_000)
    with MaildirMailbox(root) as box:
        message = box.fetch("1593000000.M1P2.host")
    assert message.raw == RAW
    assert message.uid == 0
    assert message.key == "1593000000.M1P2.host"
    assert message.internaldate == dt.datetime(2020, 6, 24, 12, 0, tzinfo=dt.timezone.utc)


def test_done_moves_to_cur_as_seen_and_keeps_the_key(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    deliver(root, "42.host")
    with MaildirMailbox(root) as box:
        box.done("42.host")
        assert not (root / "new" / "42.host").exists()
        assert (root / "cur" / "42.host:2,S").read_bytes() == RAW
        assert box.pending(0) == ["42.host"]
        assert box.fetch("42.host").raw == RAW
        box.done("42.host")   # already in cur/: nothing happens
    assert os.listdir(root / "cur") == ["42.host:2,S"]


def test_done_keeps_existing_flags(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    deliver(root, "7.host:2,F")   # unusual (info in new/) but seen in the wild
    with MaildirMailbox(root) as box:
        box.done("7.host")
    assert os.listdir(root / "cur") == ["7.host:2,FS"]


def test_cur_file_with_other_flags_is_found(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    deliver(root, "8.host:2,RS", sub="cur")
    with MaildirMailbox(root) as box:
        assert box.fetch("8.host").raw == RAW
        box.done("8.host")
    assert os.listdir(root / "cur") == ["8.host:2,RS"]


def test_missing_message(tmp_path: Path) -> None:
    with MaildirMailbox(tmp_path / "inbox") as box:
        with pytest.raises(MessageNotFound, match="gone.host") as caught:
            box.fetch("gone.host")
        assert isinstance(caught.value, MailboxError)
        with pytest.raises(MessageNotFound):
            box.done("gone.host")


@pytest.mark.parametrize("key", ["", "../../etc/passwd", ".hidden", "a/b", "x:2,S", "nul\x00"])
def test_keys_cannot_leave_the_maildir(tmp_path: Path, key: str) -> None:
    with MaildirMailbox(tmp_path / "inbox") as box, pytest.raises(MailboxError, match="not a maildir message key"):
        box.fetch(key)
