"""Labs rendered from the case: templates, context, shipped files, goldens, no case names.

The rendering tests build every bundled case once (module fixture, about
10 s a case); executing the rendered solutions lives in
``tests/test_labs_execution.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import jupytext
import nbformat
import pytest
import yaml

from mspr.case import build_case
from mspr.errors import MsprError
from mspr.labs import (LabSpec, lab_context, load_built_case, load_lab, load_labs, render_lab,
                       render_sources, shipped_files)
from mspr.paths import ASSIGNMENTS, DEFAULT_CASE, REPO_ROOT, Workspace, labs_root

CASES = sorted(p.parent for p in (REPO_ROOT / "cases").glob("*/case.yaml"))
GOLDEN = Path(__file__).parent / "golden" / "release"


@pytest.fixture(scope="module", params=CASES, ids=lambda p: p.name)
def built(request, tmp_path_factory) -> Workspace:
    """A workspace whose case (one bundled case per parameter) is built, sources rendered."""
    ws = Workspace(tmp_path_factory.mktemp(request.param.name) / "ws")
    build_case(request.param, out=ws.case_dir)
    render_sources(ws)
    return ws


def _context(ws: Workspace) -> dict:
    return lab_context(*load_built_case(ws.case_dir))


# -- lab.yaml ------------------------------------------------------------------------------------

def test_every_lab_loads_with_its_template():
    labs = load_labs()
    assert [lab.assignment_id for lab in labs] == list(ASSIGNMENTS)
    for lab in labs:
        assert (lab.folder / lab.template).is_file()
        assert lab.notebook_name == f"{lab.assignment_id}.ipynb"


def test_a_bad_source_is_refused_in_french_with_its_line(tmp_path):
    folder = tmp_path / "a1_cadrage"
    folder.mkdir()
    (folder / "a1_cadrage.py.j2").write_text("# %%\n", encoding="utf-8")
    (folder / "lab.yaml").write_text(
        "assignment_id: a1_cadrage\ntitle: T\ntemplate: a1_cadrage.py.j2\nfiles:\n"
        "  donnees: tables\n  cahier.md: data/brief.md\n", encoding="utf-8")
    with pytest.raises(MsprError) as err:
        load_lab("a1_cadrage", root=tmp_path)
    assert "ligne 6" in err.value.message and "inconnue" in err.value.message
    assert "brief" in err.value.message  # names the valid sources


def test_a_path_escaping_the_assignment_is_refused():
    with pytest.raises(ValueError, match="relatif"):
        LabSpec(assignment_id="a1_cadrage", title="T", template="a1_cadrage.py.j2",
                files={"../dehors.md": "brief"})


def test_a_missing_template_is_named(tmp_path):
    folder = tmp_path / "a4_pilotage"
    folder.mkdir()
    (folder / "lab.yaml").write_text(
        "assignment_id: a4_pilotage\ntitle: T\ntemplate: a4_pilotage.py.j2\nfiles: {}\n", encoding="utf-8")
    with pytest.raises(MsprError, match="gabarit de notebook introuvable"):
        load_lab("a4_pilotage", root=tmp_path)


# -- what a template may say ---------------------------------------------------------------------

def _solution_lines(source: str) -> set[int]:
    """1-based template lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (code or Markdown)."""
    inside, lines = False, set()
    for number, line in enumerate(source.splitlines(), start=1):
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _solution_uses_outside_solution_blocks(source: str) -> list[int]:
    """Template lines that use the context's ``solution`` key outside a solution block."""
    tree = jinja2.Environment().parse(source)
    allowed = _solution_lines(source)
    return sorted({node.lineno for node in tree.find_all(jinja2.nodes.Name)
                   if node.name == "solution" and node.lineno not in allowed})


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_ground_truth_facts_appear_only_inside_solution_blocks(assignment_id):
    """Every use of the context's ``solution`` key lies in a block nbgrader strips from the release."""
    lab = load_lab(assignment_id)
    source = (lab.folder / lab.template).read_text(encoding="utf-8")
    assert _solution_uses_outside_solution_blocks(source) == []


def test_a_fact_outside_a_solution_block_is_caught():
    source = ("# %% [markdown]\n# La colonne `{{ solution.leaky_column }}` fuit.\n"
              "# %%\n### BEGIN SOLUTION\nx = {{ solution.leaky_column | py }}\n### END SOLUTION\n"
              "# %% [markdown]\n# ### BEGIN SOLUTION\n# {% for p in solution.critical_paths %}{{ p }}{% endfor %}\n"
              "# ### END SOLUTION\n{% set c = solution.duration_days %}\n")
    assert _solution_uses_outside_solution_blocks(source) == [2, 11]


def test_templates_name_no_bundled_case():
    """The templates are generic: no company, table or column of a bundled case is written in them."""
    names = _case_specific_names()
    for template in labs_root().glob("*/*.py.j2"):
        text = template.read_text(encoding="utf-8")
        assert not [n for n in names if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", text)], template


# -- rendering -------------------------------------------------------------------------------------

def test_context_exposes_the_case(built):
    context = _context(built)
    spec, truth = load_built_case(built.case_dir)
    assert context["company"]["name"] == spec.entreprise.nom
    assert context["individual"] == spec.entreprise.vocabulaire.individu
    assert context["table_names"] == list(truth.tables)
    assert context["main_table"]["name"] == truth.main_table and context["key"] == truth.key
    assert context["target"]["column"] == truth.target.column
    features = context["solution"]["features"]
    assert sorted(features["numeric"] + features["date"] + features["categorical"]) == sorted(truth.features)
    assert context["solution"]["critical_paths"] == truth.plan.critical_paths
    public = {k: v for k, v in context.items() if k != "solution"}
    if truth.leaky_column:  # the leaky column is named only under "solution" (it is also a column name)
        assert truth.leaky_column.column not in repr({k: v for k, v in public.items()
                                                      if k not in ("tables", "main_table")})


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_rendered_notebook_is_valid_with_unique_grade_ids_and_python_cells(built, assignment_id):
    nb = nbformat.read(built.source(assignment_id) / f"{assignment_id}.ipynb", as_version=4)
    nbformat.validate(nb)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)) == len(nb.cells)
    for cell in nb.cells:
        if cell.cell_type == "code":
            compile(cell.source, f"{assignment_id}:{cell.metadata['nbgrader']['grade_id']}", "exec")
        assert "{{" not in cell.source and "{%" not in cell.source


def test_each_assignment_ships_the_files_of_its_lab_yaml(built):
    spec, truth = load_built_case(built.case_dir)
    from mspr.case import CaseLayout

    for lab in load_labs():
        shipped = {dest for dest, _ in shipped_files(lab, CaseLayout(built.case_dir), truth)}
        present = {p.relative_to(built.source(lab.assignment_id)).as_posix()
                   for p in built.source(lab.assignment_id).iterdir()}
        present |= {f"donnees/{p.name}" for p in (built.source(lab.assignment_id) / "donnees").glob("*")}
        assert shipped <= present
    for assignment_id in ("a1_cadrage", "a2_conception"):  # every table of the case
        assert {p.stem for p in (built.source(assignment_id) / "donnees").glob("*.csv")} == set(truth.tables)


def test_an_unknown_context_key_fails_with_the_template_named(tmp_path, monkeypatch):
    folder = tmp_path / "a4_pilotage"
    folder.mkdir()
    (folder / "a4_pilotage.py.j2").write_text("# %%\nx = {{ entreprise_inconnue }}\n", encoding="utf-8")
    lab = LabSpec(assignment_id="a4_pilotage", title="T", template="a4_pilotage.py.j2", files={})
    monkeypatch.setattr("mspr.labs.labs_root", lambda: tmp_path)
    with pytest.raises(MsprError, match="entreprise_inconnue"):
        render_lab(lab, {})


# -- goldens: what candidates receive, per case ---------------------------------------------------

@pytest.fixture(scope="module")
def released(built) -> Workspace:
    from mspr.release import release

    release(built)
    return built


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_student_notebooks_match_the_reviewed_goldens(released, assignment_id, request):
    """The released notebook as jupytext text; regenerate with ``pytest --update-goldens``."""
    nb = nbformat.read(released.release(assignment_id) / f"{assignment_id}.ipynb", as_version=4)
    text = jupytext.writes(nb, fmt="py:percent")
    case_id = load_built_case(released.case_dir)[1].case_id
    golden = GOLDEN / case_id / f"{assignment_id}.py"
    if request.config.getoption("--update-goldens"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    if not golden.is_file() and case_id != DEFAULT_CASE.name:
        pytest.skip(f"pas encore de golden pour {case_id} : relancez avec --update-goldens et relisez")
    assert golden.read_text(encoding="utf-8") == text


def test_release_names_no_ground_truth_fact(released):
    """The leaky column is never singled out and no defect id appears in the released notebooks."""
    truth = load_built_case(released.case_dir)[1]
    for assignment_id in ASSIGNMENTS:
        nb = nbformat.read(released.release(assignment_id) / f"{assignment_id}.ipynb", as_version=4)
        text = "\n".join(cell.source for cell in nb.cells)
        assert "BEGIN SOLUTION" not in text
        if truth.leaky_column:
            assert truth.leaky_column.column not in text, assignment_id
        for defect in truth.defects:
            assert not [i for i in defect.ids if re.search(rf"\b{re.escape(i)}\b", text)], assignment_id
        assert " → ".join(truth.plan.critical_path) not in text


# -- no bundled case's names in the code ---------------------------------------------------------

#: Column names that are generic vocabulary of the workbench itself (generators, personal data
#: every case may hold), not case-specific.
GENERIC = {
    "date_naissance", "code_postal", "raison_sociale", "contact_nom", "contact_prenom", "contact_email",
    "contact_telephone",
}

#: Files allowed to name a bundled case (none: every file of labs/ and mspr/ is guarded).
PENDING: set[str] = set()


def _case_specific_names() -> set[str]:
    """What only a bundled case would write: its company, tables, targets and compound column names.

    A plain French word used as a column name (``zone``, ``mode``, ``formule``, ``satisfaction``)
    is vocabulary, not a name; a compound one (``cotisation_mensuelle``, ``id_adherent``), a
    table name (``adherents``) or a target (``resiliation``) is specific to its case.
    """
    names: set[str] = set()
    for case in CASES:
        data = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
        company = data["entreprise"]["nom"]
        names |= {company, " ".join(company.split()[:2])}
        target = data["cible"]
        names |= {target["colonne"], *([target["regression"]["colonne"]] if target.get("regression") else [])}
        for table, spec in data["donnees"]["tables"].items():
            names.add(table)
            names.update(c for c in spec["colonnes"] if "_" in c)
    return names - GENERIC


def test_no_bundled_case_name_in_labs_or_mspr():
    names = _case_specific_names()
    pattern = re.compile("|".join(rf"(?<![\w]){re.escape(n)}(?![\w])" for n in sorted(names, key=len, reverse=True)))
    found = []
    for folder in ("labs", "mspr"):
        for path in sorted((REPO_ROOT / folder).rglob("*")):
            relative = path.relative_to(REPO_ROOT).as_posix()
            if not path.is_file() or path.suffix not in {".py", ".j2", ".yaml", ".md", ".html", ".txt"} \
                    or relative in PENDING:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                found += [f"{relative}:{number}: {m.group(0)}" for m in pattern.finditer(line)]
    assert not found, "noms propres à un cas :\n" + "\n".join(found)
