"""The one owner of a case build's file layout (``OUT``).

Like :class:`mspr.paths.Workspace` for a cohort, :class:`CaseLayout` names
every file a case build writes; nobody else joins those paths.

::

    OUT/build.json                      what was built: case id, seed, rows, spec checksum
    OUT/case.yaml                       copy of the spec it was built from
    OUT/data/<table>.csv                released tables (defects included)
    OUT/data/echantillon_requetes.csv   rows of the main table for the A3 deployment test
    OUT/data/plan_projet.csv            the project plan
    OUT/data/lots_production/lot_<i>.csv production batches of the A3 deployment test (drift, broken schema)
    OUT/model/                          reference model (MLflow, sklearn flavour): the A3 model
    OUT/brief/cahier_des_charges.md     the brief (French)
    OUT/ground_truth/ground_truth.json  :class:`mspr.case.truth.GroundTruth`
    OUT/ground_truth/holdout_features.csv, holdout_labels.csv
    OUT/ground_truth/table_principale_propre.csv   the main table before any defect (A2C2)
    OUT/ground_truth/qualite/propre.csv, <kind>.csv the clean modelling table and its corrupted variants (A2C2)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["CaseLayout"]


@dataclass(frozen=True)
class CaseLayout:
    """Paths of one case build.

    Parameters
    ----------
    root : pathlib.Path
        The build folder ``OUT``.
    """

    root: Path

    #: Top-level entries a build writes (anything else in ``OUT`` is foreign).
    ENTRIES = ("build.json", "case.yaml", "data", "model", "brief", "ground_truth")

    @property
    def manifest(self) -> Path:
        """``build.json``: case id, seed, rows and the spec's checksum."""
        return self.root / "build.json"

    @property
    def spec_copy(self) -> Path:
        """The spec the build was made from."""
        return self.root / "case.yaml"

    @property
    def data_dir(self) -> Path:
        """Released data."""
        return self.root / "data"

    def table(self, name: str) -> Path:
        """Released table ``data/<name>.csv``.

        Parameters
        ----------
        name : str
            Table name, as in ``case.yaml``.

        Returns
        -------
        pathlib.Path
        """
        return self.data_dir / f"{name}.csv"

    @property
    def sample(self) -> Path:
        """Rows of the main table sent to the served model in A3."""
        return self.data_dir / "echantillon_requetes.csv"

    @property
    def plan(self) -> Path:
        """The project plan, ``id_tache, libelle, duree_jours, predecesseurs``."""
        return self.data_dir / "plan_projet.csv"

    @property
    def batches_dir(self) -> Path:
        """Production batches of the A3 deployment test (``lot_<i>.csv``, see :mod:`mspr.case.production`)."""
        return self.data_dir / "lots_production"

    @property
    def model_dir(self) -> Path:
        """Reference model (MLflow model folder)."""
        return self.root / "model"

    @property
    def brief(self) -> Path:
        """The French brief."""
        return self.root / "brief" / "cahier_des_charges.md"

    @property
    def ground_truth_dir(self) -> Path:
        """Grader-only folder."""
        return self.root / "ground_truth"

    @property
    def ground_truth(self) -> Path:
        """``ground_truth.json``."""
        return self.ground_truth_dir / "ground_truth.json"

    @property
    def holdout_features(self) -> Path:
        """Held-out rows of the main table, targets dropped, leaking column emptied."""
        return self.ground_truth_dir / "holdout_features.csv"

    @property
    def holdout_labels(self) -> Path:
        """Primary key and binary target of the held-out rows."""
        return self.ground_truth_dir / "holdout_labels.csv"

    @property
    def clean_main(self) -> Path:
        """The released main table before any defect, one row per entity (grader-only)."""
        return self.ground_truth_dir / "table_principale_propre.csv"

    @property
    def quality_dir(self) -> Path:
        """The clean modelling table ``propre.csv`` and one ``<kind>.csv`` per corrupted variant (grader-only)."""
        return self.ground_truth_dir / "qualite"

    def resolve(self, source: str) -> Path:
        """Resolve a symbolic source named in a ``lab.yaml``.

        Parameters
        ----------
        source : str
            ``brief``, ``model``, ``sample``, ``plan``, ``batches`` or ``table:<name>``
            (``tables``, every table, is expanded by :mod:`mspr.labs` from the
            ground truth's list of tables).

        Returns
        -------
        pathlib.Path

        Raises
        ------
        KeyError
            For an unknown source.
        """
        if source.startswith("table:"):
            return self.table(source.removeprefix("table:"))
        named = {"brief": self.brief, "model": self.model_dir, "sample": self.sample, "plan": self.plan,
                 "batches": self.batches_dir}
        if source in named:
            return named[source]
        raise KeyError(source)
