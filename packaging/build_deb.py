#!/usr/bin/env python3
"""Build hallq's Debian packages into build/deb/ (``make deb``): plain dpkg-deb, with the
control files and maintainer scripts of packaging/deb/.

    python packaging/build_deb.py [--out build/deb] [--revision 1]

hallq-common carries the wheels of hallq and its core dependencies, built here from PyPI for
Debian's /usr/bin/python3; its postinst makes /opt/hallq/venv from them without a network.
hallq-screen (Qt), hallq-kiosk (OpenCV) and hallq-central (PostgreSQL's driver) carry the
wheels of their extra of pyproject.toml; the role packages carry their systemd units.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEB = ROOT / "packaging" / "deb"
UNITS = ROOT / "packaging" / "systemd"


@dataclass(frozen=True)
class Package:
    """One Debian package: its units (unit -> the config that turns it on), the pyproject
    extra whose wheels it carries, and files copied in (source -> target)."""

    units: dict[str, str] = field(default_factory=dict)
    extra: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    screen: bool = False


PACKAGES: dict[str, Package] = {
    "hallq-common": Package(files={
        "packaging/udev/99-hallq-devices.rules": "lib/udev/rules.d/99-hallq-devices.rules",
        "packaging/README.md": "usr/share/doc/hallq-common/README.md",
        **{f"packaging/deb/etc/{p.name}": f"usr/share/doc/hallq-common/examples/{p.name}"
           for p in sorted((DEB / "etc").iterdir())}}),
    "hallq-screen": Package(extra="screen", screen=True, files={
        "packaging/deb/pam-hallq-screen": "etc/pam.d/hallq-screen"}),
    "hallq-hall": Package(units={"hallq-hall.service": "/etc/hallq/hall.toml",
                                 "hallq-sync.service": "/etc/hallq/sync.env",
                                 "hallq-backup.service": "",
                                 "hallq-backup.timer": "/etc/hallq/hall.toml"}),
    "hallq-kiosk": Package(extra="camera", units={"hallq-kiosk.service": "/etc/hallq/kiosk.env"}),
    "hallq-console": Package(units={"hallq-console@.service": "/etc/hallq/console-*.env"}),
    "hallq-display": Package(units={"hallq-display.service": "/etc/hallq/display.env"}),
    "hallq-central": Package(extra="central", units={
        "hallq-central.service": "/etc/hallq/central.env",
        "hallq-central-purge.service": "",
        "hallq-central-purge.timer": "/etc/hallq/central.env"}),
    "hallq-window-controller": Package(units={
        "hallq-window-controller@.service": "/etc/hallq/window-*.env"}),
    "hallq-desk": Package(units={"hallq-desk-agent.service": "/etc/hallq/desk.env"}),
}


def run(*command: str | Path, **kwargs: object) -> None:
    """Run a command, echoed; stop the build when it fails."""
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)  # type: ignore[call-overload]


def project_version() -> str:
    """hallq's version, from pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def build_wheels(work: Path, version: str) -> dict[str, list[Path]]:
    """The wheels of each wheelhouse (``common`` and each extra), built for /usr/bin/python3:
    every wheel once into ``work/all`` (from PyPI, pip's cache helps), then each set picked
    from there offline."""
    env_dir = work / "pyenv"
    if not (env_dir / "bin" / "pip").exists():
        run("/usr/bin/python3", "-m", "venv", env_dir)
    pip = [env_dir / "bin" / "pip", "--disable-pip-version-check"]
    every = work / "all"
    shutil.rmtree(every, ignore_errors=True)
    run(*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", every, ROOT)
    extras = sorted({p.extra for p in PACKAGES.values() if p.extra})
    run(*pip, "wheel", "--quiet", "--find-links", every, "--wheel-dir", every,
        f"hallq[{','.join(extras)}]=={version}")
    sets: dict[str, list[Path]] = {}
    for name, requirement in [("common", f"hallq=={version}"),
                              *[(e, f"hallq[{e}]=={version}") for e in extras]]:
        picked = work / f"set-{name}"
        shutil.rmtree(picked, ignore_errors=True)
        run(*pip, "wheel", "--quiet", "--no-index", "--find-links", every,
            "--wheel-dir", picked, requirement)
        sets[name] = sorted(picked.glob("*.whl"))
    common = {p.name for p in sets["common"]}
    for extra in extras:   # an extra's package carries only what common does not
        sets[extra] = [p for p in sets[extra] if p.name not in common]
    return sets


def default_voice(work: Path) -> Path:
    """The default announcer voice's clips (espeak-ng), made once."""
    voice = work / "voice"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run(sys.executable, ROOT / "packaging/voice/make_default_voice.py", voice, env=env)
    return voice


def maintainer_scripts(package: Package, name: str) -> dict[str, str]:
    """postinst, prerm and postrm of a package: its own file in packaging/deb/NAME/ when there
    is one, else put together from the fragments of packaging/deb/scripts/."""
    fragments: dict[str, list[str]] = {"postinst": [], "prerm": [], "postrm": []}
    if package.extra:
        fragments["postinst"].append("wheels.postinst")
        fragments["prerm"].append("wheels.prerm")
    if package.screen:
        fragments["postinst"].append("screen.postinst")
    if package.units:
        for script in fragments:
            fragments[script].insert(0, "units.sh")
            fragments[script].append(f"units.{script}")
    units = " ".join(f"{unit}={config}" for unit, config in package.units.items() if config)
    scripts = {}
    for script, parts in fragments.items():
        own = DEB / name / script
        if own.exists():
            scripts[script] = own.read_text()
        elif parts:
            body = "".join((DEB / "scripts" / part).read_text() for part in parts)
            body = body.replace("@EXTRA@", package.extra or "").replace("@UNITS@", units)
            scripts[script] = f"#!/bin/sh\n# {name} {script}\nset -e\n{body}exit 0\n"
    return scripts


def stage(name: str, package: Package, root: Path, wheels: dict[str, list[Path]],
          voice: Path, version: str, arch: str) -> None:
    """Lay out one package's tree under ``root``, DEBIAN/ included."""
    shutil.rmtree(root, ignore_errors=True)
    control_dir = root / "DEBIAN"
    control_dir.mkdir(parents=True)
    for source, target in package.files.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / source, root / target)
    for unit in package.units:
        (root / "lib/systemd/system").mkdir(parents=True, exist_ok=True)
        shutil.copy(UNITS / unit, root / "lib/systemd/system" / unit)
    house = "common" if name == "hallq-common" else package.extra
    if house:
        target = root / "opt/hallq/wheels" / house
        target.mkdir(parents=True)
        for wheel in wheels[house]:
            shutil.copy(wheel, target / wheel.name)
    if name == "hallq-common":
        shutil.copytree(voice, root / "usr/share/hallq/voice/default")
        (root / "usr/bin").mkdir(parents=True)
        (root / "usr/bin/hallq").symlink_to("/opt/hallq/venv/bin/hallq")
    size_kb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) // 1024
    control = (DEB / name / "control").read_text().replace("@VERSION@", version)
    control = control.replace("@ARCH@", arch).rstrip("\n") + f"\nInstalled-Size: {size_kb}\n"
    (control_dir / "control").write_text(control)
    if (root / "etc").exists():
        conffiles = sorted("/" + str(p.relative_to(root)) for p in (root / "etc").rglob("*")
                           if p.is_file())
        (control_dir / "conffiles").write_text("\n".join(conffiles) + "\n")
    for script, text in maintainer_scripts(package, name).items():
        (control_dir / script).write_text(text)
        (control_dir / script).chmod(0o755)


def main(argv: list[str] | None = None) -> int:
    """Build every package; print where they are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "deb")
    parser.add_argument("--revision", default="1", help="the Debian revision (version-N)")
    args = parser.parse_args(argv)
    upstream = project_version()
    version = f"{upstream}-{args.revision}"
    arch = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                          text=True).stdout.strip()
    work = args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    wheels = build_wheels(work, upstream)
    voice = default_voice(work)
    for name, package in PACKAGES.items():
        root = work / "stage" / name
        stage(name, package, root, wheels, voice, version, arch)
        control = (root / "DEBIAN/control").read_text()
        package_arch = "all" if "Architecture: all" in control else arch
        deb = args.out / f"{name}_{version}_{package_arch}.deb"
        run("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, deb)
    print(f"hallq packages {version} in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
