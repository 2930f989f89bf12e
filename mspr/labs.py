"""The lab catalogue: notebook sources and the files each assignment ships.

Each ``labs/<assignment_id>/`` folder holds the reviewed source of the
solution notebook as a jupytext percent-format ``.py`` file (with nbgrader cell
metadata in the cell headers) and a ``lab.yaml`` listing the case files the
assignment ships. :func:`render_sources` turns them into nbgrader's
``source/<assignment_id>/`` folders; the student versions are generated from
these by :mod:`mspr.release`, never written by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from mspr.errors import MsprError
from mspr.paths import ASSIGNMENTS, Workspace, labs_root


class LabSpec(BaseModel):
    """The content of one ``labs/<assignment_id>/lab.yaml``.

    Parameters
    ----------
    assignment_id : str
        nbgrader assignment id, equal to the lab folder's name.
    title : str
        French title shown to candidates.
    notebook : str
        File name of the jupytext source, e.g. ``a1_cadrage.py``.
    files : dict of str to str
        Destination inside the assignment folder → source path inside the
        case build (a file or a whole folder), both relative POSIX paths.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    assignment_id: str
    title: str
    notebook: str
    files: dict[str, str]

    @field_validator("files")
    @classmethod
    def _relative_paths(cls, files: dict[str, str]) -> dict[str, str]:
        for dest, src in files.items():
            for p in (dest, src):
                pure = PurePosixPath(p)
                if pure.is_absolute() or ".." in pure.parts:
                    raise ValueError(f"chemin {p!r} : doit être relatif et sans '..'")
        return files

    @property
    def folder(self) -> Path:
        """The lab's source folder in the repository."""
        return labs_root() / self.assignment_id

    @property
    def notebook_name(self) -> str:
        """File name of the generated notebook, e.g. ``a1_cadrage.ipynb``."""
        return Path(self.notebook).with_suffix(".ipynb").name


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
        If the file is missing or invalid, or its ``assignment_id`` differs
        from its folder's name.
    """
    path = (root or labs_root()) / assignment_id / "lab.yaml"
    if not path.is_file():
        raise MsprError("fichier de lab introuvable", path=path,
                        hint="chaque dossier labs/<assignment_id>/ doit contenir un lab.yaml")
    try:
        spec = LabSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise MsprError(f"lab.yaml invalide : {exc}", path=path,
                        hint="corrigez le champ indiqué (voir docs/architecture.md)") from None
    if spec.assignment_id != assignment_id:
        raise MsprError(f"assignment_id {spec.assignment_id!r} différent du nom du dossier",
                        path=path, hint=f"mettez assignment_id: {assignment_id}")
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


def render_notebook(lab: LabSpec, dest: Path) -> Path:
    """Convert the lab's jupytext source into an ``.ipynb`` file.

    Parameters
    ----------
    lab : LabSpec
        The lab whose jupytext percent-format source is converted.
    dest : pathlib.Path
        Folder to write ``<notebook_name>`` into.

    Returns
    -------
    pathlib.Path
        The notebook written.
    """
    import jupytext

    source = lab.folder / lab.notebook
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / lab.notebook_name
    jupytext.write(notebook, out, fmt="ipynb")
    return out


def render_sources(ws: Workspace) -> list[Path]:
    """Write nbgrader's ``source/<assignment_id>/`` folders from the labs.

    Each folder gets the solution notebook and the case files listed in
    ``lab.yaml``, copied from ``ws.case_dir``. Existing source folders are
    replaced: they are derived data.

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
        If a file listed in a ``lab.yaml`` is missing from the case build.
    """
    notebooks = []
    for lab in load_labs():
        dest = ws.source(lab.assignment_id)
        if dest.exists():
            shutil.rmtree(dest)
        notebooks.append(render_notebook(lab, dest))
        for target, origin in lab.files.items():
            src = ws.case_dir / origin
            if not src.exists():
                raise MsprError(f"fichier du cas manquant : {origin}", path=src,
                                hint="reconstruisez le cas avec `mspr case build`")
            out = dest / target
            out.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, out)
            else:
                shutil.copyfile(src, out)
    return notebooks
