"""Shared pytest options and session fixtures."""

from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite the golden files under tests/golden/ (review the diff before committing)")


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory):
    """The demo cohort on the default case (built once per session, a few minutes): release, three teams, grades.

    ``MSPR_TEST_COHORTE=<folder>`` reuses a cohort already released there (``mspr release -w <folder>``), for
    the tests that only read its release and sources while developing; never set in CI.
    """
    import os

    from mspr.demo import demo
    from mspr.paths import Workspace

    if os.environ.get("MSPR_TEST_COHORTE"):
        return Workspace(Path(os.environ["MSPR_TEST_COHORTE"]))

    out = tmp_path_factory.mktemp("demo") / "ws"
    demo(out, echo=lambda line: None)
    return Workspace(out)
