"""The commands README.md and packaging/README.md show a user: every line of a fenced block
(```sh, ```bash, ```console or a bare ```) and of an indented block that starts with a command,
continuation lines joined, a trailing ``# comment`` dropped. The docs-as-tests runner
(tests/integration/test_doc_commands.py) runs each one as written, placeholders filled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "packaging/README.md")
#: The first words of a command line (anything else in a block is output, TOML, a table …).
COMMAND_WORDS = ("hallq", "make", "curl", "export", "apt-get", "systemctl", "cp", "install",
                 "runuser", "journalctl", "pg_dump", "pg_restore", "python", ".venv/bin/")
_FENCE = re.compile(r"^( *)```(\w*)\s*$")


@dataclass(frozen=True)
class Shown:
    """A command as a document shows it, and where."""

    doc: str
    line: int
    command: str

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {self.command}"


def shown_commands(docs: tuple[str, ...] = DOCS) -> list[Shown]:
    """Every command the documents show, in order."""
    found: list[Shown] = []
    for doc in docs:
        found += _commands(doc, (ROOT / doc).read_text(encoding="utf-8").splitlines())
    return found


def _commands(doc: str, lines: list[str]) -> list[Shown]:
    found: list[Shown] = []
    fence: tuple[int, str] | None = None      # (indent, language) inside a fenced block
    pending: tuple[int, str] | None = None    # a command continued with a backslash
    previous_blank = True
    for number, raw in enumerate(lines, start=1):
        match = _FENCE.match(raw)
        if match and fence is None:
            fence = (len(match.group(1)), match.group(2))
            continue
        if match and fence is not None:
            fence, pending = None, None
            continue
        if fence is not None:
            if fence[1] not in ("", "sh", "bash", "console"):
                continue
            text = raw[fence[0]:]
        elif raw.startswith("    ") and (previous_blank or pending is not None
                                          or (found and found[-1].line == number - 1)):
            text = raw[4:]
        else:
            previous_blank = not raw.strip()
            pending = None
            continue
        previous_blank = False
        text = text.rstrip()
        if pending is not None:
            start, joined = pending
            text = joined + " " + text.strip()
        elif not text.lstrip("$ ").startswith(COMMAND_WORDS):
            continue
        else:
            start, text = number, text.lstrip("$ ")
        if text.endswith("\\"):
            pending = (start, text[:-1].rstrip())
            continue
        pending = None
        found.append(Shown(doc, start, _without_comment(text)))
    return found


def _without_comment(text: str) -> str:
    """The command without a trailing ``# …`` (one outside quotes, after a space)."""
    quote = ""
    for index, char in enumerate(text):
        if char in "'\"":
            quote = "" if quote == char else (quote or char)
        elif char == "#" and not quote and index and text[index - 1] == " ":
            return text[:index].rstrip()
    return text
