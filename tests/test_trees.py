"""Trees a team made, whatever their shape: walked, copied, checksummed and removed without recursion.

Python 3.11's os.walk, Path.rglob, shutil.copytree and shutil.rmtree recurse
once per level: a tree 1500 folders deep made each of them raise
RecursionError (a grader failure, a scratch folder left behind, then every
later run failing at its start while removing it).
"""

import os
import shutil
import subprocess
import sys

import pytest

from mspr._trees import MAX_DEPTH, copy_tree, remove_tree, walk
from mspr.errors import MsprError
from mspr.grading import submission_checksum
from mspr.grading.engine import SCRATCH_PREFIX, _copy_capped, clean_stale_scratch

LEVELS = 1500


def _deep(folder, levels=LEVELS) -> str:
    """``folder/profond/d/d/…`` ``levels`` folders below ``profond``, a file at the bottom (os.makedirs recurses)."""
    path = os.path.join(folder, "profond")
    os.makedirs(path)
    for _ in range(levels):
        path = os.path.join(path, "d")
        os.mkdir(path)
    with open(os.path.join(path, "fond.txt"), "w") as handle:
        handle.write("fond")
    return path


def _depth(folder) -> int:
    depth, path = 0, os.path.join(folder, "profond")
    while os.path.isdir(path := os.path.join(path, "d")):
        depth += 1
    return depth


@pytest.fixture
def deep(tmp_path):
    root = tmp_path / "rendu"
    root.mkdir()
    (root / "notes.txt").write_text("bonjour")
    _deep(root)
    yield root
    remove_tree(tmp_path)  # pytest's clean-up of old folders would hit the RecursionError


def test_python_s_own_tools_do_fail_on_such_a_tree(deep, tmp_path):
    # what the grader used before (if Python stops failing here, the rest of this file is moot, not wrong)
    with pytest.raises(RecursionError):
        shutil.copytree(deep, tmp_path / "copie", symlinks=True)
    with pytest.raises(RecursionError):
        shutil.rmtree(deep, ignore_errors=True)


def test_walk_yields_every_entry_without_recursion_nor_following_links(deep):
    os.symlink("/etc", deep / "lien")
    entries = list(walk(deep))
    assert len(entries) == 1 + 1 + LEVELS + 1 + 1  # notes.txt, profond, the d's, fond.txt, lien
    assert max(depth for _, _, depth in entries) == LEVELS + 2
    assert not [p for p, _, _ in entries if p[0] == "lien" and len(p) > 1]  # /etc not entered
    assert [p for p, _, _ in walk(deep, max_depth=2)] == [("lien",), ("notes.txt",), ("profond",), ("profond", "d"),
                                                          ("profond", "d", "d")]


def test_copy_tree_keeps_64_levels_links_as_links_and_says_what_it_left_out(deep, tmp_path):
    os.symlink("/etc/passwd", deep / "lien")
    os.mkfifo(deep / "tube")
    (deep / "gros.bin").write_bytes(b"0" * 5000)
    report = copy_tree(deep, tmp_path / "copie", max_bytes=1000)
    copy = tmp_path / "copie"
    assert _depth(copy) == MAX_DEPTH - 1  # "profond" is level 1
    assert os.readlink(copy / "lien") == "/etc/passwd" and not (copy / "tube").exists()
    assert (copy / "notes.txt").read_text() == "bonjour" and not (copy / "gros.bin").exists()
    assert report.bytes_left_out == ["gros.bin (5000 octets)"]
    assert report.too_deep_count == 1 and not report.too_many
    (note,) = report.notes("dossier rendu")
    assert note.startswith("dossier rendu : arborescence trop profonde (plus de 64 niveaux) : le reste n'a pas été "
                           "copié")


def test_copy_tree_stops_at_the_entry_limit(tmp_path):
    (tmp_path / "a").mkdir()
    for i in range(30):
        (tmp_path / "a" / f"f{i:02}").write_text("x")
    report = copy_tree(tmp_path / "a", tmp_path / "b", max_entries=10)
    assert len(os.listdir(tmp_path / "b")) == 10 and report.too_many
    assert "trop d'entrées (plus de 10 fichiers et dossiers)" in report.notes("dossier exécuté")[0]


def test_the_executed_folder_copy_reports_the_byte_cap_and_the_depth(deep, tmp_path):
    (deep / "gros.bin").write_bytes(b"0" * 5000)
    incidents = _copy_capped(deep, tmp_path / "staging", 1000)
    assert incidents[0] == "fichiers non conservés (plus de 1000 octets en tout) : gros.bin (5000 octets)"
    assert incidents[1].startswith("dossier exécuté : arborescence trop profonde (plus de 64 niveaux)")


def test_remove_tree_removes_what_shutil_rmtree_cannot(deep):
    assert remove_tree(deep) is True and not deep.exists()
    assert remove_tree(deep) is True  # missing: nothing to do


def test_a_stale_deep_scratch_folder_no_longer_stops_the_next_run(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f"{SCRATCH_PREFIX}{dead}-abc"
    _deep(stale)
    assert clean_stale_scratch(tmp_path) == [stale]  # no RecursionError
    assert not stale.exists()


def test_the_checksum_of_a_deep_submission_is_computed_and_follows_its_content(deep):
    before = submission_checksum(deep)
    bottom = os.path.join(deep, "profond", *["d"] * LEVELS, "fond.txt")
    with open(bottom, "w") as handle:
        handle.write("autre fond")
    assert submission_checksum(deep) != before


def test_the_checksum_of_an_ordinary_folder_is_the_one_rglob_gave(tmp_path):
    import hashlib
    from pathlib import Path

    (tmp_path / "a b").mkdir()
    (tmp_path / "a b" / "x").write_text("1")
    (tmp_path / "a-b").mkdir()
    (tmp_path / "a-b" / ".cache").write_text("2")
    (tmp_path / "a.txt").write_text("3")
    os.symlink("a.txt", tmp_path / "lien")
    digest = hashlib.sha256()  # the previous implementation, as it was
    for path in sorted(Path(tmp_path).rglob("*")):
        rel = path.relative_to(tmp_path).as_posix()
        if path.is_symlink():
            digest.update(f"L {rel} {os.readlink(path)}\n".encode())
        elif path.is_file():
            digest.update(f"F {rel} {path.stat().st_size}\n".encode())
            digest.update(path.read_bytes())
    assert submission_checksum(tmp_path) == digest.hexdigest()  # grades of earlier runs still resume


def test_submit_refuses_a_deep_tree_in_french_naming_the_folder(deep, tmp_path):
    from mspr.submissions import _scan

    found = _scan(deep)
    assert found["deep"] == deep.joinpath("profond", *["d"] * MAX_DEPTH) and found["link"] is None
    # (submit itself raises it before copying: see test_submissions for the other refusals)
    from mspr.paths import Workspace
    from mspr.submissions import submit

    ws = Workspace(tmp_path / "ws")
    ws.release("a4_pilotage").mkdir(parents=True)
    (deep / "a4_pilotage.ipynb").write_text("{}")
    with pytest.raises(MsprError) as error:
        submit(ws, "equipe", "a4_pilotage", deep)
    assert "arborescence trop profonde dans le rendu (plus de 64 niveaux de dossiers)" in error.value.message


def test_what_cannot_be_copied_is_named_with_its_reason_in_french(tmp_path):
    src = tmp_path / "a"
    src.mkdir()
    fd = os.open(src, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(20):  # 20 × 251 characters: past PATH_MAX (4096), made relative to each folder
        os.mkdir("n" * 250, dir_fd=fd)
        inner = os.open("n" * 250, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    report = copy_tree(src, tmp_path / "b", max_depth=None)
    assert report.failed_count == 1 and "chemin trop long" in report.failed[0]
    assert "dossier rendu : 1 fichier(s) ou dossier(s) non copié(s) : " in report.notes("dossier rendu")[0]
    assert remove_tree(tmp_path) and not tmp_path.exists()


def test_the_notebooks_a_team_left_are_listed_in_a_deep_tree_as_rglob_lists_them_in_a_shallow_one(deep, tmp_path):
    from pathlib import Path

    from mspr.validation import extra_notebooks

    bottom = os.path.join(deep, "profond", *["d"] * LEVELS, "brouillon.ipynb")
    with open(bottom, "w") as handle:
        handle.write("{}")
    for root in (deep, tmp_path / "simple"):
        for name in ("a4_pilotage.ipynb", "copie.ipynb", "x/.ipynb_checkpoints/copie-checkpoint.ipynb", "x/y.ipynb",
                     "notes.md"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("{}")
    shallow = tmp_path / "simple"
    expected = sorted(p for p in shallow.rglob("*.ipynb")  # Python's own listing, on a tree it can walk
                      if p.name != "a4_pilotage.ipynb" and ".ipynb_checkpoints" not in p.parts)
    assert extra_notebooks(shallow, "a4_pilotage") == expected == [shallow / "copie.ipynb", shallow / "x" / "y.ipynb"]
    found = extra_notebooks(deep, "a4_pilotage")
    assert [p.relative_to(deep) for p in found if "profond" not in p.parts] == [Path("copie.ipynb"), Path("x/y.ipynb")]
    assert [p for p in found if "profond" in p.parts] == [Path(bottom)]
