"""Shared pytest options and session fixtures."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite the golden files under tests/golden/ (review the diff before committing)")


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory):
    """The demo cohort on the default case (built once per session, a few minutes): release, three teams, grades."""
    from mspr.demo import demo
    from mspr.paths import Workspace

    out = tmp_path_factory.mktemp("demo") / "ws"
    demo(out, echo=lambda line: None)
    return Workspace(out)
