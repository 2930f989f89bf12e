"""mspr-workbench: cases, labs, grading and jury reports for the MSPR exams.

The package is organised as the grading pipeline itself, one module per stage:

case spec → :mod:`mspr.case` (dataset + ground truth) → :mod:`mspr.labs`
(notebook sources) → :mod:`mspr.release` (student bundles) →
:mod:`mspr.submissions` → :mod:`mspr.grading` (execution + checks) →
:mod:`mspr.report` (per-competency jury report). :mod:`mspr.demo` chains them.
"""

from mspr._imports import skip_unused_imports
from mspr._offline import enforce_offline

enforce_offline()
skip_unused_imports()

__version__ = "0.1.0"
