"""Recording answers in reponses.json."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mspr import answers
from mspr.errors import MsprError


def test_record_round_trip(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    value = {"adherents": {"email": ["EMAIL_ADDRESS"], "nom": ["PERSON"]}}
    answers.record("A1C6.pii_columns", value)
    assert answers.load(tmp_path) == {"A1C6.pii_columns": value}
    assert "A1C6.pii_columns" in capsys.readouterr().out
    # the file on disk is plain JSON
    assert json.loads((tmp_path / "reponses.json").read_text(encoding="utf-8")) == {
        "A1C6.pii_columns": value
    }


def test_record_converts_numpy_and_tuples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    answers.record(
        "A3C3.deployment_test",
        {
            "predictions": np.array([0, 1, 1]),
            "latencies_ms": (np.float64(8.5), np.float32(9.25)),
            "port": np.int64(5001),
            "ok": np.bool_(True),
            "missing": float("nan"),
        },
    )
    stored = answers.load(tmp_path)["A3C3.deployment_test"]
    assert stored == {
        "predictions": [0, 1, 1],
        "latencies_ms": [8.5, 9.25],
        "port": 5001,
        "ok": True,
        "missing": None,
    }
    assert type(stored["port"]) is int


def test_record_keeps_other_keys_and_replaces_same_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    answers.record("A4C1.critical_path", ["T1", "T3"])
    answers.record("A4C1.project_duration", 30)
    answers.record("A4C1.project_duration", 42)
    assert answers.load(tmp_path) == {"A4C1.critical_path": ["T1", "T3"], "A4C1.project_duration": 42}
    # no temporary file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reponses.json"]


def test_record_is_atomic_on_failure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    answers.record("A2C1.leaky_column", "motif_resiliation")
    before = (tmp_path / "reponses.json").read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(answers.os, "replace", fail)
    with pytest.raises(OSError):
        answers.record("A2C1.leaky_column", "autre")
    assert (tmp_path / "reponses.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reponses.json"]


@pytest.mark.parametrize(
    "check_id",
    ["", "A1C6", "A5C1.x", "a1c6.pii_columns", "A1C6.PII", "A1C6.pii-columns", "A1C.x", "A1C6.pii columns", 42],
)
def test_record_rejects_bad_ids(tmp_path, monkeypatch, check_id):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MsprError):
        answers.record(check_id, 1)
    assert not (tmp_path / "reponses.json").exists()


def test_record_rejects_unserialisable_value(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MsprError):
        answers.record("A2C1.leaky_column", object())
    assert not (tmp_path / "reponses.json").exists()


def test_load_missing_file_is_empty(tmp_path):
    assert answers.load(tmp_path) == {}


@pytest.mark.parametrize("content", ["{pas du json", "[1, 2]"])
def test_load_invalid_file(tmp_path, content):
    (tmp_path / "reponses.json").write_text(content, encoding="utf-8")
    with pytest.raises(MsprError, match="reponses.json"):
        answers.load(tmp_path)


def test_record_refuses_to_overwrite_corrupt_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reponses.json").write_text("{corrompu", encoding="utf-8")
    with pytest.raises(MsprError):
        answers.record("A2C1.leaky_column", "x")
    assert (tmp_path / "reponses.json").read_text(encoding="utf-8") == "{corrompu"
