"""A submitted notebook nbgrader cannot grade is reported in French, with the fix."""

import nbformat
import pytest

from mspr.errors import MsprError
from mspr.notebooks import check_notebook, validate_notebook


def graded_cell(grade_id, source="x = 1"):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": False,
                                 "schema_version": 3, "solution": True}
    return cell


def write(path, cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)
    return path


def test_a_sound_notebook_has_no_problem(tmp_path):
    path = write(tmp_path / "a.ipynb", [nbformat.v4.new_markdown_cell("# Titre"), graded_cell("q1"),
                                        graded_cell("q2")])
    assert validate_notebook(path) == []
    check_notebook(path)


def test_a_copied_cell_is_named_with_its_cells(tmp_path):
    path = write(tmp_path / "a.ipynb", [nbformat.v4.new_markdown_cell("# Titre"), graded_cell("q1"),
                                        graded_cell("q2"), graded_cell("q1", "x = 2")])
    problems = validate_notebook(path)
    assert len(problems) == 1
    assert "grade_id 'q1' en double (cellules 2 et 4)" in problems[0]
    assert "Insérer une cellule" in problems[0]


@pytest.mark.parametrize("text, words", [
    ("pas du json {", "pas du JSON"),
    ('{"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "code"}], "metadata": {}}', "notebook"),
    ("[]", "notebook"),
    ('{"nbformat": 9}', "notebook"),
])
def test_an_unreadable_notebook_is_reported(tmp_path, text, words):
    path = tmp_path / "a.ipynb"
    path.write_text(text, encoding="utf-8")
    problems = validate_notebook(path)
    assert problems and words in problems[0]


def test_check_notebook_names_the_file_and_the_fix(tmp_path):
    path = write(tmp_path / "a.ipynb", [graded_cell("q1"), graded_cell("q1")])
    with pytest.raises(MsprError) as err:
        check_notebook(path)
    assert err.value.path == path
    assert "en double" in err.value.message and err.value.hint
