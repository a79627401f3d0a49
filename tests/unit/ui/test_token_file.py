"""A screen app's token read from a file (``--token-file`` / ``$HALLQ_TOKEN_FILE``), so that
the units keep it off the command line: a 0600 file is read; a file others may read, an empty
or a missing one is refused with a bilingual message."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.launch import resolve
from ui.service import read_token_file


def token_file(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "kiosk.token"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_a_private_token_file_is_read(tmp_path: Path) -> None:
    path = token_file(tmp_path, "tok-123\n", 0o600)
    assert read_token_file(str(path), "hallq kiosk") == "tok-123"


@pytest.mark.parametrize(("text", "mode", "said"), [
    ("tok", 0o644, "readable by others: chmod 600"),
    ("  \n", 0o600, "is empty"),
])
def test_an_unsafe_or_empty_token_file_is_refused(tmp_path: Path, capsys, text, mode, said):
    path = token_file(tmp_path, text, mode)
    assert read_token_file(str(path), "hallq kiosk") is None
    err = capsys.readouterr().err
    assert said in err and "令牌文件" in err


def test_a_missing_token_file_is_said_and_the_app_does_not_start(tmp_path: Path, capsys):
    args = type("Args", (), {"token": None, "token_file": str(tmp_path / "none"),
                             "url": "http://127.0.0.1:1"})()
    assert resolve(args, "hallq caller") is None  # type: ignore[arg-type]
    assert "无法读取令牌文件 / cannot read the token file" in capsys.readouterr().err


def test_the_token_file_gives_the_apps_their_token(tmp_path: Path) -> None:
    path = token_file(tmp_path, "tok-9", 0o600)
    args = type("Args", (), {"token": None, "token_file": str(path),
                             "url": "http://127.0.0.1:1"})()
    assert resolve(args, "hallq caller") == ("http://127.0.0.1:1", "tok-9")  # type: ignore[arg-type]
