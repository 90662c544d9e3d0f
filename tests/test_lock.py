"""The lock (`requirements.lock`, written by `bash scripts/lock.sh`) agrees with `pyproject.toml`,
holds the CPU build of torch, and is exactly what this environment has installed."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "rag-transcripts"
RELOCK = "re-lock with `bash scripts/lock.sh`"
# What a venv has before anything is installed into it, and the project itself (editable).
NOT_LOCKED = {"pip", PROJECT}


@dataclass(frozen=True)
class Locked:
    """One pinned package of the lock."""

    version: str
    hashes: int
    direct: bool
    """pip-compile annotated it `via rag-transcripts (pyproject.toml)`."""


def parse_lock(text: str) -> dict[str, Locked]:
    """Package name -> pin, from pip-compile's output with hashes and annotations."""
    locked: dict[str, Locked] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if not match:
            continue
        via = block[block.find("# via"):] if "# via" in block else ""
        locked[canonicalize_name(match[1])] = Locked(
            version=match[2], hashes=block.count("--hash=sha256:"), direct=f"{PROJECT} (pyproject.toml)" in via
        )
    return locked


def declared_requirements(pyproject_text: str) -> list[Requirement]:
    """The project's runtime and test requirements that apply on this platform."""
    project = tomllib.loads(pyproject_text)["project"]
    specs = [*project["dependencies"], *project.get("optional-dependencies", {}).get("test", [])]
    requirements = [Requirement(spec) for spec in specs]
    return [r for r in requirements if r.marker is None or r.marker.evaluate()]


def lock_disagreements(pyproject_text: str, lock_text: str) -> list[str]:
    """Why the lock is not a resolution of the project's requirements (empty when it is)."""
    locked = parse_lock(lock_text)
    problems = []
    declared = declared_requirements(pyproject_text)
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        pin = locked.get(name)
        if pin is None:
            problems.append(f"{requirement} is in pyproject.toml but not in the lock")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{requirement} is in pyproject.toml but the lock pins {name}=={pin.version}")
        elif not pin.direct:
            # Pinned only because something else needs it: the lock was not made from this pyproject.toml.
            problems.append(f"{requirement} is in pyproject.toml but the lock has {name} only as another's dependency")
    stale = {name for name, pin in locked.items() if pin.direct} - {canonicalize_name(r.name) for r in declared}
    problems += [f"the lock holds {name} for pyproject.toml, which no longer asks for it" for name in sorted(stale)]
    return problems


def test_the_lock_agrees_with_pyproject() -> None:
    problems = lock_disagreements((ROOT / "pyproject.toml").read_text(), (ROOT / "requirements.lock").read_text())
    assert not problems, f"{RELOCK}: " + "; ".join(problems)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('"tqdm>=4.66",', '"tqdm>=4.66",\n    "rich-argparse>=1.5",'),
         "rich-argparse>=1.5 is in pyproject.toml but not in the lock"),
        (lambda t: t.replace('"tqdm>=4.66",', '"tqdm>=4.66",\n    "regex>=2023",'),
         "regex>=2023 is in pyproject.toml but the lock has regex only as another's dependency"),
        (lambda t: t.replace('"faiss-cpu>=1.8,<2"', '"faiss-cpu>=1.8,<1.9"'),
         "faiss-cpu<1.9,>=1.8 is in pyproject.toml but the lock pins faiss-cpu=="),
        (lambda t: t.replace('    "tqdm>=4.66",\n', ""), "the lock holds tqdm for pyproject.toml, which no longer"),
    ],
)
def test_a_dependency_changed_without_relocking_is_caught(edit, message: str) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    changed = edit(pyproject)
    assert changed != pyproject, "the edit no longer applies to pyproject.toml"
    assert any(message in problem for problem in lock_disagreements(changed, (ROOT / "requirements.lock").read_text()))


def test_every_pin_has_hashes_and_torch_is_the_cpu_build() -> None:
    locked = parse_lock((ROOT / "requirements.lock").read_text())
    assert locked["torch"].version == "2.13.0+cpu"
    assert not [name for name in locked if name.startswith("nvidia-") or name == "triton"]
    assert not [name for name, pin in locked.items() if pin.hashes == 0]


def test_this_environment_is_exactly_the_lock() -> None:
    locked = {name: pin.version for name, pin in parse_lock((ROOT / "requirements.lock").read_text()).items()}
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
        if canonicalize_name(dist.metadata["Name"]) not in NOT_LOCKED
    }
    assert installed == locked, f"this environment is not the lock; run `bash scripts/bootstrap.sh` ({RELOCK} first " \
        "if pyproject.toml changed)"
    # Every installed package's own requirements are met by what the lock installed.
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
