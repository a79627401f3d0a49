"""The Debian packages' units and control files (packaging/): every unit passes
``systemd-analyze verify``, keeps tokens off the command line, restarts and logs under its own
name; central and its nightly purge open one data key it may create; each role package pulls
what its role needs and nothing it does not (no PostgreSQL on a kiosk, no Qt on a hall server);
the maintainer scripts find the configured template instances."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
UNITS = ROOT / "packaging" / "systemd"
DEB = ROOT / "packaging" / "deb"
SCREEN_ROLES = ("hallq-kiosk", "hallq-console", "hallq-display")


def unit_files() -> list[Path]:
    """Every unit shipped."""
    return sorted(p for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))


def control(package: str) -> dict[str, str]:
    """The fields of a package's control file."""
    fields = {}
    for line in (DEB / package / "control").read_text().splitlines():
        if line and not line.startswith(" "):
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def relations(package: str, field: str = "Depends") -> set[str]:
    """The package names of a relation field, versions dropped."""
    return {re.sub(r"\s*\(.*\)", "", item).strip()
            for item in control(package).get(field, "").split(",") if item.strip()}


def depends_closure(package: str) -> set[str]:
    """A package's Depends and Recommends, through our own packages."""
    found: set[str] = set()
    todo = [package]
    while todo:
        name = todo.pop()
        for dep in relations(name) | relations(name, "Recommends"):
            if dep not in found:
                found.add(dep)
                if (DEB / dep / "control").exists():
                    todo.append(dep)
    return found


def verify(folder: Path) -> str:
    """What ``systemd-analyze verify`` says about the units in ``folder`` (empty: fine)."""
    names = sorted(str(p) for p in folder.iterdir() if p.suffix in (".service", ".timer"))
    done = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True,
                          text=True, timeout=60)
    return (done.stdout + done.stderr).strip()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # the programs the units run, as executables here (the packages install the real ones)
    fake = tmp_path / "program"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for unit in unit_files():
        text = unit.read_text().replace("/usr/bin/hallq", str(fake))
        (units / unit.name).write_text(text.replace("/usr/bin/cage", str(fake)))
    assert verify(units) == ""
    # and verify does report a mistake
    broken = (units / "hallq-hall.service").read_text().replace("Type=notify", "Type=notifx")
    (units / "hallq-hall.service").write_text(broken)
    assert "notifx" in verify(units)


def test_every_role_has_its_units() -> None:
    names = {p.name for p in unit_files()}
    assert {"hallq-hall.service", "hallq-sync.service", "hallq-central.service",
            "hallq-kiosk.service", "hallq-console@.service", "hallq-display.service",
            "hallq-window-controller@.service", "hallq-backup.timer",
            "hallq-desk-agent.service"} <= names


def test_no_token_on_a_command_line_and_each_service_restarts_and_logs_by_name() -> None:
    for unit in (p for p in unit_files() if p.suffix == ".service"):
        text = unit.read_text()
        exec_start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
        assert not re.search(r"--(hall-)?token(?!-file)\s+(?!@)", exec_start), unit.name
        assert "TOKEN}" not in exec_start and "CREDENTIAL}" not in exec_start, unit.name
        assert "SyslogIdentifier=hallq-" in text, unit.name
        if "Type=oneshot" not in text:
            assert "Restart=always" in text, unit.name


def test_central_and_its_purge_open_one_data_key_in_a_folder_central_may_write() -> None:
    """Both central units give the same data key file on a command line central's own parser
    takes, in the state folder the service may write (the key is made on the first start)."""
    import argparse

    from central import cli

    parser = argparse.ArgumentParser(prog="hallq")
    cli.register(parser.add_subparsers(dest="command"))
    keys = []
    for name in ("hallq-central.service", "hallq-central-purge.service"):
        exec_start = next(line for line in (UNITS / name).read_text().splitlines()
                          if line.startswith("ExecStart="))
        argv = shlex.split(exec_start.removeprefix("ExecStart=/usr/bin/hallq ")
                           .replace("${CENTRAL_DB}", "postgresql:///hallq"))
        keys.append(parser.parse_args(argv).data_key_file)
    assert keys == ["/var/lib/hallq/central-data.key"] * 2
    service = (UNITS / "hallq-central.service").read_text()
    assert "StateDirectory=hallq" in service and "ReadWritePaths=/var/lib/hallq" in service


def test_screen_apps_run_full_screen_in_cage_under_a_watchdog() -> None:
    for name in ("hallq-kiosk.service", "hallq-console@.service", "hallq-display.service"):
        text = (UNITS / name).read_text()
        assert "ExecStart=/usr/bin/cage -d -- /usr/bin/hallq " in text
        assert "--fullscreen" in text and "HALLQ_TOKEN_FILE=/etc/hallq/" in text
        assert "Type=notify" in text and "NotifyAccess=all" in text and "WatchdogSec=" in text
    for name in ("hallq-hall.service", "hallq-sync.service"):
        text = (UNITS / name).read_text()
        assert "Type=notify" in text and "WatchdogSec=" in text


def test_each_role_package_pulls_what_its_role_needs() -> None:
    for role in SCREEN_ROLES:
        needs = depends_closure(role)
        assert {"hallq-common", "hallq-screen", "cage", "fonts-noto-cjk", "libxcb-icccm4",
                "libxcb-keysyms1", "libwayland-egl1"} <= needs, role
    assert "pcscd" in depends_closure("hallq-kiosk")
    assert {"espeak-ng", "sox"} <= depends_closure("hallq-display")
    assert {"postgresql", "postgresql-client"} <= depends_closure("hallq-central")
    assert {"python3", "python3-venv"} <= depends_closure("hallq-common")


def test_no_role_gets_what_it_does_not_need() -> None:
    for package in ("hallq-common", "hallq-hall", "hallq-screen", "hallq-window-controller",
                    "hallq-desk", *SCREEN_ROLES):
        assert not {"postgresql", "postgresql-client"} & depends_closure(package), package
    for package in ("hallq-hall", "hallq-window-controller", "hallq-central", "hallq-desk"):
        assert not {"hallq-screen", "cage"} & depends_closure(package), package


def test_the_core_wheels_carry_no_qt_no_opencv_no_postgresql_driver() -> None:
    with open(ROOT / "pyproject.toml", "rb") as file:
        project = tomllib.load(file)["project"]
    core = " ".join(project["dependencies"]).lower()
    for heavy in ("pyside6", "opencv", "psycopg"):
        assert heavy not in core
    extras = project["optional-dependencies"]
    assert any("PySide6" in d for d in extras["screen"])
    assert any("opencv" in d for d in extras["camera"])
    assert any(d.startswith("hallq[") and "screen" in d for d in extras["dev"])


def test_maintainer_scripts_start_one_console_per_configured_window(tmp_path: Path) -> None:
    for window in ("3", "12"):
        (tmp_path / f"console-{window}.env").write_text("HALLQ_CONSOLE_ARGS=\n")
    script = (DEB / "scripts" / "units.sh").read_text().replace(
        "@UNITS@", f"hallq-console@.service={tmp_path}/console-*.env "
                   f"hallq-kiosk.service={tmp_path}/kiosk.env")
    (tmp_path / "units.sh").write_text(script + "configured_units\n")
    listed = subprocess.run(["sh", str(tmp_path / "units.sh")], capture_output=True,
                            text=True, check=True, timeout=10).stdout.split()
    assert sorted(listed) == ["hallq-console@12.service", "hallq-console@3.service"]
    (tmp_path / "kiosk.env").write_text("HALLQ_KIOSK_ARGS=\n")
    listed = subprocess.run(["sh", str(tmp_path / "units.sh")], capture_output=True,
                            text=True, check=True, timeout=10).stdout.split()
    assert "hallq-kiosk.service" in listed
