"""A small cohort for the engine tests: the default case built and released once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

from mspr.grading.sandbox import Limits
from mspr.paths import DEFAULT_CASE, Workspace

#: Limits small enough for the corpus to hit them quickly (CPU, memory, file size, output).
TEST_LIMITS = Limits(cpu_s=120, wall_s=600, cell_s=45, memory_bytes=3 * 1024**3, nproc=256,
                     fsize_bytes=50_000_000, output_bytes=100_000, tmp_bytes=64_000_000, model_s=120)


#: Limits for the corpus's A2 cases (MLflow and scikit-learn imports take longer than 15 s on a loaded machine).
MODEL_LIMITS = Limits(cpu_s=300, wall_s=900, cell_s=300, memory_bytes=4 * 1024**3, nproc=256,
                      fsize_bytes=50_000_000, output_bytes=100_000, tmp_bytes=64_000_000, model_s=300)


def build_cohort(folder: Path) -> Workspace:
    """Build the default case and release its four assignments into ``folder``."""
    from mspr.case import build_case
    from mspr.release import release

    ws = Workspace(folder)
    build_case(DEFAULT_CASE, out=ws.case_dir)
    release(ws)
    return ws


def copy_ws(src: Workspace, folder: Path) -> Workspace:
    """A copy of a built cohort (case, release, gradebook), without submissions or grades."""
    shutil.copytree(src.root, folder, symlinks=True,
                    ignore=shutil.ignore_patterns("submitted", "autograded", "grades", "archive", ".engine"))
    return Workspace(folder)
