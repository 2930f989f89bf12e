"""Stage: case spec → dataset, ground truth, reference model and brief.

``build_case(case_dir, out=...)`` reads ``cases/<id>/case.yaml``
(:mod:`mspr.case.spec`), generates the tables (:mod:`mspr.case.generate`),
trains the reference model (:mod:`mspr.case.model`) and writes the layout of
:class:`mspr.case.layout.CaseLayout`, with the :class:`mspr.case.truth.GroundTruth`.
"""

from mspr.case.layout import CaseLayout
from mspr.case.spec import CaseSpec, load_case_spec
from mspr.case.truth import GroundTruth

__all__ = ["CaseLayout", "CaseSpec", "GroundTruth", "build_case", "load_case_spec"]


def __getattr__(name: str):
    if name == "build_case":  # heavy imports (sklearn, MLflow) only when building
        from mspr.case.build import build_case

        return build_case
    raise AttributeError(name)
