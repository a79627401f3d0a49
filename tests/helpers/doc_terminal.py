"""A terminal for the docs-as-tests: a documented command run with bash exactly as written
(placeholders filled), in a working folder, with hallq's environment on PATH; a command that
reads a PIN or a code gets a real pseudo-terminal to type it into; a command ending in ``&``
keeps running until the test stops it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

VENV_BIN = Path(sys.executable).parent


@dataclass
class Ran:
    """What a finished command did."""

    command: str
    code: int
    output: str
    """What it printed, standard output and error together."""
    stdout: str = ""

    def __str__(self) -> str:
        return f"$ {self.command}\n(exit {self.code})\n{self.output[-3000:]}"


@dataclass
class Terminal:
    """Runs commands in ``cwd`` (background commands' output kept in ``logs``); ``fill`` maps
    each placeholder to its value."""

    cwd: Path
    logs: Path
    fill: dict[str, str] = field(default_factory=dict)
    background: list[subprocess.Popen] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """The user's environment with hallq's virtual environment first on PATH."""
        env = dict(os.environ)
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        return env

    def filled(self, command: str) -> str:
        """``command`` with its placeholders replaced."""
        for placeholder, value in self.fill.items():
            command = command.replace(placeholder, value)
        return command

    def run(self, command: str, typed: list[str] | None = None, timeout: float = 120) -> Ran:
        """Run ``command`` to its end; ``typed`` lines are typed at its terminal prompts."""
        line = self.filled(command)
        if typed is None:
            done = subprocess.run(["bash", "-c", line], cwd=self.cwd, env=self.env(),
                                  capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
            return Ran(command, done.returncode, done.stdout + done.stderr, done.stdout)
        return self._run_at_terminal(command, line, typed, timeout)

    def _run_at_terminal(self, command: str, line: str, typed: list[str],
                         timeout: float) -> Ran:
        controller, terminal = pty.openpty()

        def become_session_of_the_terminal() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)    # getpass reads /dev/tty
        proc = subprocess.Popen(["bash", "-c", line], cwd=self.cwd, env=self.env(),
                                stdin=terminal, stdout=terminal, stderr=terminal,
                                preexec_fn=become_session_of_the_terminal)
        os.close(terminal)
        output, answers = b"", list(typed)
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None or select.select([controller], [], [], 0)[0]:
                if time.monotonic() > deadline:
                    proc.kill()
                    raise TimeoutError(f"{command} still running after {timeout} s:\n"
                                       f"{output.decode(errors='replace')}")
                ready, _, _ = select.select([controller], [], [], 0.1)
                if not ready:
                    continue
                try:
                    chunk = os.read(controller, 4096)
                except OSError:          # the command closed its terminal
                    break
                output += chunk
                if answers and _at_prompt(output):
                    os.write(controller, answers.pop(0).encode() + b"\n")
        finally:
            os.close(controller)
        return Ran(command, proc.wait(30), output.decode(errors="replace").replace("\r", ""))

    def start(self, command: str, ready_url: str | None = None,
              ready_text: str | None = None, timeout: float = 60) -> subprocess.Popen:
        """Start ``command`` (one line, its trailing ``&`` dropped, or a script of several)
        and wait until ``ready_url`` answers or ``ready_text`` appears in its output (neither:
        return at once)."""
        line = self.filled(command).rstrip().removesuffix("&").rstrip()
        script = line if "\n" in line else f"exec {line}"
        with open(self.logs / f"bg-{len(self.background)}.log", "wb") as log:
            proc = subprocess.Popen(["bash", "-c", script], cwd=self.cwd, env=self.env(),
                                    stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.background.append(proc)
        deadline = time.monotonic() + timeout
        while ready_url or ready_text:
            if proc.poll() is not None:
                raise RuntimeError(f"{command} ended with {proc.returncode}:\n"
                                   f"{self.output_of(proc)}")
            if ready_url and _answers(ready_url):
                break
            if ready_text and ready_text in self.output_of(proc):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{command} not ready in {timeout} s:\n"
                                   f"{self.output_of(proc)}")
            time.sleep(0.2)
        return proc

    def output_of(self, proc: subprocess.Popen) -> str:
        """What a background command printed so far."""
        index = self.background.index(proc)
        return (self.logs / f"bg-{index}.log").read_text(errors="replace")

    def stop(self, proc: subprocess.Popen) -> int:
        """Stop a background command as Ctrl-C or systemd would (SIGTERM, then SIGKILL), with
        whatever it started in the background (its whole process group, even once the shell
        itself has ended)."""
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(10)
        deadline = time.monotonic() + 10
        while _signal_group(proc.pid, 0) and time.monotonic() < deadline:
            time.sleep(0.1)          # background jobs of the shell finishing their stop
        _signal_group(proc.pid, signal.SIGKILL)
        return proc.returncode

    def stop_all(self) -> None:
        """Stop every background command still running."""
        for proc in self.background:
            self.stop(proc)


def _signal_group(pgid: int, signum: int) -> bool:
    """Send ``signum`` to a process group; whether any process of it was there."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True


def _at_prompt(output: bytes) -> bool:
    """Whether the command waits at a prompt: its last line is unfinished and ends with ":"
    (every other line it prints ends with a newline)."""
    last = output.replace(b"\r", b"").rsplit(b"\n", 1)[-1]
    return last.rstrip().endswith(b":")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
