"""The lab catalogue: notebook templates rendered from the case, and the files each ships.

Each ``labs/<assignment_id>/`` folder holds:

- ``<assignment_id>.py.j2``: the reviewed source of the solution notebook, a
  jupytext percent-format file (nbgrader cell metadata in the cell headers)
  that is also a jinja2 template. Company, wording, tables, columns, target
  and plan come from the case through :func:`lab_context`;
- ``lab.yaml``: the assignment's title, template and the case files it ships,
  named by symbolic sources (``tables``, ``brief``, ``model``, ``sample``,
  ``plan``) that :class:`mspr.case.CaseLayout` resolves.

:func:`render_sources` turns them into nbgrader's ``source/<assignment_id>/``
folders for the case built in the workspace; the student versions are
generated from these by :mod:`mspr.release`, never written by hand.

The context separates what candidates are told from what they must find: the
facts of the ground truth (personal columns, the leaky column, the critical
paths…) live under the ``solution`` key, which a template may only use between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader strips those blocks
from the release; ``tests/test_labs.py`` checks every template).
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from mspr.errors import MsprError
from mspr.paths import ASSIGNMENTS, Workspace, labs_root
from mspr.specfile import fail, load_yaml_model

if TYPE_CHECKING:
    from mspr.case import CaseLayout, CaseSpec, GroundTruth

__all__ = [
    "DATA_FOLDER",
    "LabSpec",
    "SOURCES",
    "lab_context",
    "load_built_case",
    "load_lab",
    "load_labs",
    "render_lab",
    "render_notebook",
    "render_sources",
    "shipped_files",
]

#: Symbolic sources a ``lab.yaml`` may name (see :meth:`mspr.case.CaseLayout.resolve`).
SOURCES: dict[str, str] = {
    "tables": "chaque table diffusée, copiée dans <destination>/<table>.csv",
    "brief": "le cahier des charges (Markdown)",
    "model": "le dossier du modèle MLflow de référence (le modèle de A3)",
    "sample": "l'échantillon de requêtes de la table principale (A3)",
    "plan": "le plan du projet (A4)",
    "batches": "les lots de production du test de déploiement (A3 : dérives, schéma cassé)",
    "main_table": "la table principale diffusée (données d'entraînement), copiée dans <destination>",
}

#: Folder of the assignment where the tables are shipped (as in every template).
DATA_FOLDER = "donnees"

#: Template suffix: ``<assignment_id>.py.j2`` renders to a jupytext ``.py`` text.
TEMPLATE_SUFFIX = ".py.j2"


def _relative(path: str) -> str:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts:
        raise fail(f"chemin {path!r} : doit être relatif, non vide et sans '..'")
    return path


def _source(source: str) -> str:
    if source not in SOURCES and not (source.startswith("table:") and source[6:]):
        raise fail(f"source {source!r} inconnue : choisissez parmi " + ", ".join(SOURCES) + " ou table:<nom>")
    return source


Destination = Annotated[str, AfterValidator(_relative)]
Source = Annotated[str, AfterValidator(_source)]


class LabSpec(BaseModel):
    """The content of one ``labs/<assignment_id>/lab.yaml``.

    Parameters
    ----------
    assignment_id : str
        nbgrader assignment id, equal to the lab folder's name.
    title : str
        French title shown to candidates.
    template : str
        File name of the jupytext template, ``<assignment_id>.py.j2``.
    files : dict of str to str
        Destination inside the assignment folder (relative POSIX path) →
        symbolic source in the case build: a key of :data:`SOURCES` or
        ``table:<name>``. For ``tables`` the destination is a folder that
        receives every released table as ``<name>.csv``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    assignment_id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    title: Annotated[str, Field(min_length=1)]
    template: Annotated[str, Field(min_length=1)]
    files: dict[Destination, Source]

    @field_validator("template")
    @classmethod
    def _template_name(cls, template: str) -> str:
        if not template.endswith(TEMPLATE_SUFFIX) or "/" in template:
            raise fail(f"template {template!r} : nom de fichier du dossier du lab se terminant par "
                       f"{TEMPLATE_SUFFIX}, ex. a1_cadrage{TEMPLATE_SUFFIX}")
        return template

    @property
    def folder(self) -> Path:
        """The lab's source folder in the repository."""
        return labs_root() / self.assignment_id

    @property
    def notebook_name(self) -> str:
        """File name of the generated notebook, e.g. ``a1_cadrage.ipynb``."""
        return self.template.removesuffix(TEMPLATE_SUFFIX) + ".ipynb"


def load_lab(assignment_id: str, root: Path | None = None) -> LabSpec:
    """Load and validate ``labs/<assignment_id>/lab.yaml``.

    Parameters
    ----------
    assignment_id : str
        One of :data:`mspr.paths.ASSIGNMENTS`.
    root : pathlib.Path, optional
        Folder holding the labs; defaults to the repository's ``labs/``.

    Returns
    -------
    LabSpec
        The validated content of the file.

    Raises
    ------
    MsprError
        If the file is missing or invalid (French message with the line and
        the field), its ``assignment_id`` differs from its folder's name, or
        its template is missing.
    """
    folder = (root or labs_root()) / assignment_id
    path = folder / "lab.yaml"
    spec = load_yaml_model(path, LabSpec, what="fichier de lab",
                           example="labs/a1_cadrage/lab.yaml")
    if spec.assignment_id != assignment_id:
        raise MsprError(f"assignment_id {spec.assignment_id!r} différent du nom du dossier",
                        path=path, hint=f"mettez assignment_id: {assignment_id}")
    if not (folder / spec.template).is_file():
        raise MsprError(f"gabarit de notebook introuvable : {spec.template}", path=path,
                        hint=f"créez {folder / spec.template} ou corrigez le champ template")
    return spec


def load_labs() -> list[LabSpec]:
    """Return the four labs, in block order (A1 to A4).

    Returns
    -------
    list of LabSpec
        One per assignment of :data:`mspr.paths.ASSIGNMENTS`, read from the
        repository's ``labs/<assignment_id>/lab.yaml``, in that order.

    Raises
    ------
    MsprError
        If a ``lab.yaml`` is missing or invalid (see :func:`load_lab`).
    """
    return [load_lab(a) for a in ASSIGNMENTS]


# --------------------------------------------------------------------------- context


def _one_line(text: str) -> str:
    """Collapse a YAML block (descriptions) to one line, for Markdown comment lines."""
    return " ".join(str(text).split())


def _number(value: float) -> int | float:
    """``5.0`` → ``5`` (ranges read better in the notebooks), other floats unchanged."""
    return int(value) if float(value).is_integer() else float(value)


def lab_context(spec: CaseSpec, truth: GroundTruth) -> dict[str, Any]:
    """Everything the lab templates may say about a case.

    Parameters
    ----------
    spec : mspr.case.CaseSpec
        The case the build was made from.
    truth : mspr.case.GroundTruth
        The build's ground truth.

    Returns
    -------
    dict
        Public keys (candidates may read them in instructions and locked
        cells):

        - ``case_id`` : str
        - ``company`` : dict with ``name``, ``sector``, ``city``, ``headcount``
        - ``individual``, ``individuals`` : str, the word for one row of the
          main table (``"adhérent"``, ``"adhérents"``)
        - ``need`` : str, the brief's need, one line
        - ``reference_date`` : str, ISO (``AAAA-MM-JJ``);
          ``reference_date_fr`` : ``JJ/MM/AAAA``
        - ``data_folder`` : str, ``"donnees"``
        - ``tables`` : list of dict, in file order, each with ``name``,
          ``file`` (``donnees/<name>.csv``), ``description`` (one line),
          ``key``, ``parent`` (or None), ``foreign_keys`` (column → table),
          ``rows``, ``free_text`` (free-text columns) and ``columns`` (list of
          dict ``name``, ``type``, ``description``)
        - ``foreign_keys`` : dict table → column → table whose key it holds
          (tables that have some)
        - ``free_text`` : dict table → free-text columns (tables that have some);
          ``free_text_columns`` : list of ``table.column``
        - ``table_names`` : list of str; ``main_table`` : the dict of the main
          table; ``key`` : its primary key
        - ``target`` : dict with ``column``, ``label``, ``columns`` (every
          target column: the binary one, then the regression one if any)
        - ``costs`` : dict ``false_negative``, ``false_positive`` (EUR) or None
        - ``technical_patterns`` : list of str, regexes of the case's
          technical identifiers (:func:`mspr.pii.technical_patterns`)
        - ``entity_types`` : list of str, the Presidio entity types a
          personal column may hold (:data:`mspr.case.spec.ENTITY_TYPES`)
        - ``gdpr_categories`` : dict of str to str, category → French meaning
        - ``plan`` : dict ``tasks`` (number of tasks)
        - ``service_levels`` : dict, the case's ``production.niveaux_de_service``
          (French keys: rates in requests per second, latencies in ms, error
          budget in percent, batch sizes in rows)

        and ``solution``, the facts candidates must find, for solution blocks
        only:

        - ``features`` : dict ``numeric``, ``date``, ``categorical`` → list of
          str (explanatory columns of the main table)
        - ``ranges`` : dict of str to [low, high], plausible range of each
          numeric feature (its unit) or date feature (years before the
          reference date)
        - ``leaky_column`` : str or None; ``leak_explanation`` : str or None
        - ``personal`` : dict table → column → dict ``entities`` (sorted list
          of str) and ``category`` (GDPR category), for every table (empty
          dict when it holds none)
        - ``personal_by_category`` : dict GDPR category → list of
          ``table.column`` (every category of ``gdpr_categories``)
        - ``critical_paths`` : list of list of str; ``duration_days`` : int
        - ``defects`` : list of dict ``table``, ``column``, ``kind``, ``count``
    """
    from mspr.case.spec import ENTITY_TYPES, GDPR_CATEGORIES
    from mspr.pii import technical_patterns

    tables = []
    for name, table in truth.tables.items():
        declared = spec.tables[name].colonnes
        tables.append({
            "name": name,
            "file": f"{DATA_FOLDER}/{name}.csv",
            "description": _one_line(spec.tables[name].description),
            "key": table.key,
            "parent": table.parent,
            "foreign_keys": dict(table.foreign_keys),
            "rows": table.rows,
            "free_text": [c for c in table.columns
                          if declared[c].type == "texte" and declared[c].modeles is not None],
            "columns": [{"name": c, "type": declared[c].type, "description": _one_line(declared[c].description)}
                        for c in table.columns],
        })
    main = next(t for t in tables if t["name"] == truth.main_table)
    kinds = truth.feature_types
    costs = truth.target.costs
    return {
        "case_id": truth.case_id,
        "service_levels": spec.production.niveaux_de_service.model_dump(),
        "company": {"name": spec.entreprise.nom, "sector": spec.entreprise.secteur,
                    "city": spec.entreprise.ville, "headcount": spec.entreprise.effectif},
        "individual": spec.entreprise.vocabulaire.individu,
        "individuals": spec.entreprise.vocabulaire.individus,
        "need": _one_line(spec.cahier_des_charges.besoin),
        "reference_date": truth.reference_date,
        "reference_date_fr": "/".join(reversed(truth.reference_date.split("-"))),
        "data_folder": DATA_FOLDER,
        "tables": tables,
        "table_names": [t["name"] for t in tables],
        "free_text": {t["name"]: t["free_text"] for t in tables if t["free_text"]},
        "foreign_keys": {t["name"]: t["foreign_keys"] for t in tables if t["foreign_keys"]},
        "free_text_columns": [f"{t['name']}.{c}" for t in tables for c in t["free_text"]],
        "main_table": main,
        "key": truth.key,
        "target": {
            "column": truth.target.column,
            "label": truth.target.label,
            "columns": [truth.target.column, *([truth.target.regression_column]
                                               if truth.target.regression_column else [])],
        },
        "costs": ({"false_negative": _number(costs["faux_negatif"]),
                   "false_positive": _number(costs["faux_positif"])} if costs else None),
        "entity_types": list(ENTITY_TYPES),
        "technical_patterns": list(technical_patterns(spec)),
        "gdpr_categories": dict(GDPR_CATEGORIES),
        "plan": {"tasks": len(truth.plan.tasks)},
        "solution": {
            "features": {
                "numeric": [c for c in truth.features if kinds[c] == "numerique"],
                "date": [c for c in truth.features if kinds[c] == "date"],
                "categorical": [c for c in truth.features if kinds[c] == "categorielle"],
            },
            "ranges": {c: [_number(low), _number(high)] for c, (low, high) in truth.plausible_ranges.items()},
            "leaky_column": truth.leaky_column.column if truth.leaky_column else None,
            "leak_explanation": truth.leak_explanation,
            "personal": {
                name: {column: {"entities": sorted(entities),
                                "category": truth.gdpr_categories.get(name, {}).get(column)}
                       for column, entities in truth.pii.get(name, {}).items() if entities}
                for name in truth.tables
            },
            "personal_by_category": {
                category: [f"{t}.{c}" for t, cols in truth.gdpr_categories.items() for c, cat in cols.items()
                           if cat == category]
                for category in GDPR_CATEGORIES
            },
            "critical_paths": [list(p) for p in truth.plan.critical_paths],
            "duration_days": truth.plan.duration_days,
            "defects": [{"table": d.table, "column": d.column, "kind": d.kind, "count": len(d.ids)}
                        for d in truth.defects],
        },
    }


# --------------------------------------------------------------------------- rendering


def _inline(value: Any) -> str:
    """One-line Python literal; strings in double quotes, accents kept."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_inline(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_inline(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    return repr(value)


def _fr(value: float | int) -> str:
    """Jinja filter: a number in French format (decimal comma, no trailing zeros)."""
    from mspr.jury.fmt import fr_number

    return fr_number(value, 2)


def _py(value: Any, indent: int = 0) -> str:
    """A Python literal for a context value (the ``py`` filter), one item a line when long.

    Parameters
    ----------
    value : str, int, float, bool, None, list, tuple or dict
        Nested values allowed.
    indent : int, default=0
        Column where the literal starts (for the continuation lines).

    Returns
    -------
    str
        Valid Python source; one line when it fits in 100 columns.
    """
    line = _inline(value)
    if len(line) + indent <= 100 or not isinstance(value, (list, tuple, dict)) or not value:
        return line
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{_inline(k)}: {_py(v, indent + 4)}," for k, v in value.items()]
        opening, closing = "{", "}"
    else:
        items = [f"{pad}{_py(v, indent + 4)}," for v in value]
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
    return opening + "\n" + "\n".join(items) + "\n" + " " * indent + closing


def _codes(names: list[str]) -> str:
    """Markdown inline code list (the ``codes`` filter): ``a``, ``b`` → "`a`, `b`"."""
    return ", ".join(f"`{name}`" for name in names)


def _comment(text: str, first: str = "# ", rest: str = "# ", width: int = 80) -> str:
    """Wrap text into Markdown comment lines (the ``comment`` filter) for jupytext Markdown cells.

    Parameters
    ----------
    text : str
        One paragraph (blank runs are collapsed).
    first, rest : str, default="# "
        Prefix of the first line and of the following ones, e.g. ``"# - "`` and ``"#   "``.
    width : int, default=80
        Maximum line length, prefixes included (a longer word stays whole).

    Returns
    -------
    str
        The lines, joined by newlines; a trailing newline is kept (so that
        ``{% filter comment %}…{% endfilter %}`` blocks end their line).
    """
    # French spacing: never start a line with « ; : ? ! » » nor end one with « « »
    glued = re.sub(r" ([;:?!»])", "\u00a0\\1", _one_line(text)).replace("« ", "«\u00a0")
    lines = textwrap.fill(glued, width=width, initial_indent=first, subsequent_indent=rest,
                          break_long_words=False, break_on_hyphens=False).replace("\u00a0", " ")
    return lines + "\n" if str(text).endswith("\n") else lines


def _environment(folder: Path):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["py"] = _py
    env.filters["codes"] = _codes
    env.filters["comment"] = _comment
    env.filters["fr"] = _fr
    return env


def render_lab(lab: LabSpec, context: dict[str, Any]) -> str:
    """Render a lab's template into jupytext percent-format text.

    Parameters
    ----------
    lab : LabSpec
        The lab whose ``template`` is rendered.
    context : dict
        From :func:`lab_context`.

    Returns
    -------
    str
        The solution notebook as jupytext ``py:percent`` text.

    Raises
    ------
    MsprError
        If the template names a key the context lacks, or is not valid jinja2.
    """
    import jinja2

    try:
        return _environment(lab.folder).get_template(lab.template).render(context)
    except jinja2.UndefinedError as error:
        raise MsprError(f"gabarit : {error.message}", path=lab.folder / lab.template,
                        hint="utilisez une clé du contexte décrit par mspr.labs.lab_context") from None
    except jinja2.TemplateSyntaxError as error:
        raise MsprError(f"gabarit : erreur de syntaxe jinja2 ligne {error.lineno} : {error.message}",
                        path=lab.folder / lab.template, hint="corrigez la balise {% … %} ou {{ … }}") from None


def render_notebook(lab: LabSpec, context: dict[str, Any], dest: Path) -> Path:
    """Render a lab for a case and write it as an ``.ipynb`` file.

    Parameters
    ----------
    lab : LabSpec
        The lab to render.
    context : dict
        From :func:`lab_context`.
    dest : pathlib.Path
        Folder to write ``<notebook_name>`` into.

    Returns
    -------
    pathlib.Path
        The notebook written.
    """
    import jupytext

    notebook = jupytext.reads(render_lab(lab, context), fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / lab.notebook_name
    jupytext.write(notebook, out, fmt="ipynb")
    return out


def shipped_files(lab: LabSpec, layout: CaseLayout, truth: GroundTruth) -> list[tuple[str, Path]]:
    """The case files an assignment ships, resolved in a case build.

    Parameters
    ----------
    lab : LabSpec
    layout : mspr.case.CaseLayout
        The case build.
    truth : mspr.case.GroundTruth
        Its ground truth (names the released tables).

    Returns
    -------
    list of (str, pathlib.Path)
        Destination inside the assignment folder (POSIX), and the file or
        folder of the case build to copy there.
    """
    files = []
    for dest, source in lab.files.items():
        if source == "tables":
            files += [(f"{dest.rstrip('/')}/{name}.csv", layout.resolve(f"table:{name}")) for name in truth.tables]
        elif source == "main_table":
            files.append((dest, layout.resolve(f"table:{truth.main_table}")))
        else:
            files.append((dest, layout.resolve(source)))
    return files


def load_built_case(case_dir: Path) -> tuple[CaseSpec, GroundTruth]:
    """Read the spec copy and the ground truth of a case build.

    Parameters
    ----------
    case_dir : pathlib.Path
        A folder written by :func:`mspr.case.build_case`.

    Returns
    -------
    spec : mspr.case.CaseSpec
    truth : mspr.case.GroundTruth

    Raises
    ------
    MsprError
        If the build is missing or from an older version of the workbench.
    """
    from mspr.case import CaseLayout, GroundTruth, load_case_spec

    layout = CaseLayout(case_dir)
    truth = GroundTruth.load(layout.ground_truth)
    spec = load_case_spec(layout.spec_copy)
    return spec, truth


def render_sources(ws: Workspace) -> list[Path]:
    """Write nbgrader's ``source/<assignment_id>/`` folders for the workspace's case.

    Each folder gets the solution notebook rendered with the context of the
    case built in ``ws.case_dir`` (:func:`lab_context`) and the case files
    named in ``lab.yaml``. Existing source folders are replaced: they are
    derived data.

    Parameters
    ----------
    ws : Workspace
        A workspace whose case has been built (``ws.case_dir``).

    Returns
    -------
    list of pathlib.Path
        The source notebooks, in block order.

    Raises
    ------
    MsprError
        If the case build is missing or outdated, a template is invalid, or
        a file named in a ``lab.yaml`` is missing from the case build.
    """
    from mspr.case import CaseLayout

    spec, truth = load_built_case(ws.case_dir)
    layout = CaseLayout(ws.case_dir)
    context = lab_context(spec, truth)
    notebooks = []
    for lab in load_labs():
        dest = ws.source(lab.assignment_id)
        if dest.exists():
            shutil.rmtree(dest)
        notebooks.append(render_notebook(lab, context, dest))
        for target, src in shipped_files(lab, layout, truth):
            if not src.exists():
                raise MsprError(f"fichier du cas manquant : {src.relative_to(ws.case_dir)}", path=src,
                                hint="reconstruisez le cas avec `mspr case build`")
            out = dest / target
            out.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, out)
            else:
                shutil.copyfile(src, out)
    return notebooks
