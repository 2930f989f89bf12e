"""The candidate report in headless Chromium (Debian's package): axe-core finds no serious or critical violation."""

import shutil
from pathlib import Path

import pytest
from _jury_helpers import fill, full_grade, submit_folder, write_grade, write_roster

from mspr.jury import export, import_files
from mspr.paths import ASSIGNMENTS, REPO_ROOT, Workspace
from mspr.report import report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = REPO_ROOT / "build" / "test-a11y"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="chromium absent : « make deps-systeme » (root) l'installe")


@pytest.fixture(scope="module")
def page_path(tmp_path_factory) -> Path:
    ws = Workspace(tmp_path_factory.mktemp("a11y") / "ws")
    write_roster(ws)
    for a in ASSIGNMENTS:
        submit_folder(ws, "t1", a)
        write_grade(ws, full_grade("t1", a, 0.5, {"A4C1-organisation_projet": "**Plan** : 12 tâches, *100 jours*"}))
    first, second = export(ws, team_ids=["t1"])
    fill(first, {}, default=("acquis", ""))
    fill(second, {("c01", "A4C5"): ("non acquis", "planning absent")}, default=("acquis", ""))
    import_files(ws, [first, second])
    report(ws, pdf=False)
    return ws.candidate_report("c01")


def test_candidate_report_passes_axe_in_headless_chromium(page_path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1800})
            page.goto(page_path.as_uri())
            results = Axe().run(page)
            page.screenshot(path=str(SCREENSHOTS / "candidat.png"))
            # keyboard: the first Tab reaches the skip link, which leads to the content
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
            page.keyboard.press("Enter")
            assert page.url.endswith("#contenu")
        finally:
            browser.close()
    _assert_no_serious(results)
    assert (SCREENSHOTS / "candidat.png").stat().st_size > 10_000


def _assert_no_serious(results):
    violations = results.response["violations"]
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in ("serious", "critical")]
    assert results.response["passes"], "axe did not run"
    assert not serious, serious


def test_cohort_summary_passes_axe_too(page_path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1800})
            page.goto((page_path.parent.parent / "index.html").as_uri())
            results = Axe().run(page)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "cohorte.png"))
        finally:
            browser.close()
    _assert_no_serious(results)
