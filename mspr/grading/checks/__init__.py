"""The auto checks: each measurable criterion, scored against the ground truth.

One module per assignment (:mod:`~mspr.grading.checks.a1_cadrage`,
:mod:`~mspr.grading.checks.a2_conception`,
:mod:`~mspr.grading.checks.a3_deploiement`,
:mod:`~mspr.grading.checks.a4_pilotage`); each check registers itself with
:func:`check`, declaring the answer schema it reads. The machinery is in
:mod:`mspr.grading.checks._core`.
"""

from mspr.grading.checks._core import (CHECKS, AnswerError, Check, CheckContext, CheckResult, check, checks_for,
                                       checks_table, parse, run_checks)
from mspr.grading.checks import a1_cadrage, a2_conception, a3_deploiement, a4_pilotage  # noqa: F401  (registration)

__all__ = ["CHECKS", "AnswerError", "Check", "CheckContext", "CheckResult", "check", "checks_for", "checks_table",
           "parse", "run_checks"]
