"""requirements.in, requirements.lock and environment.yml describe one environment."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.\-+]+)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"not an exact pin: {line!r}"
        pins[_norm(match.group(1))] = match.group(2)
    return pins


def test_environment_yml_pins_the_direct_requirements():
    direct = _pins((ROOT / "requirements.in").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == direct
    assert "python=3.11" in env["dependencies"]


def test_lock_agrees_with_direct_requirements():
    direct = _pins((ROOT / "requirements.in").read_text().splitlines())
    lock = _pins((ROOT / "requirements.lock").read_text().splitlines())
    mismatched = {name: (version, lock.get(name)) for name, version in direct.items() if lock.get(name) != version}
    assert not mismatched


def test_pandas_is_pinned_below_3():
    # Great Expectations' type expectations misbehave on pandas 3's str dtype
    # (shared/notes/dependencies.md): we stay on pandas 2.3.x.
    lock = _pins((ROOT / "requirements.lock").read_text().splitlines())
    assert lock["pandas"].startswith("2.3.")
