"""Case stage: a case spec (``cases/<id>/case.yaml``) → dataset, reference model, brief, ground truth.

>>> from mspr.case import build_case                                  # doctest: +SKIP
>>> build = build_case("cases/mutuelle_horizon", out="build/demo/case")  # doctest: +SKIP
>>> build.ground_truth["plan"]["critical_path"]                        # doctest: +SKIP
"""

from mspr.case.generate import CaseBuild, build_case
from mspr.case.plan import critical_path
from mspr.case.spec import CaseSpec, load_case_spec

__all__ = ["CaseBuild", "CaseSpec", "build_case", "critical_path", "load_case_spec"]
