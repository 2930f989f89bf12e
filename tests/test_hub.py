"""A real JupyterHub on loopback for a trial cohort (``mspr hub up``), used as two candidates would.

Needs root (the trial makes local accounts ``mspr-<id>``) and
configurable-http-proxy (``make hub-deps``, which ``make test`` runs); skipped
with the French reason otherwise. One hub serves every test of the module.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from _hub_client import Hub, Server
from mspr.paths import Workspace

A1 = "a1_cadrage"


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "le hub d'essai crée des comptes locaux : test lancé en root seulement"
    if not shutil.which("useradd"):
        return "useradd absent : comptes locaux impossibles"
    import sys

    from mspr.errors import MsprError
    from mspr.hub.config import proxy_command
    from mspr.hub.trial import _reachable_by_all

    if not all(_reachable_by_all(p) for p in (Path(sys.prefix), Path(__file__).resolve().parents[1] / "mspr")):
        return "le projet ou son environnement est sous un dossier fermé aux comptes de l'essai (mode 700)"

    try:
        proxy_command()
    except MsprError:
        return "configurable-http-proxy absent : lancez « make hub-deps » (npm nécessaire)"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def free_port() -> int:
    """A port p with p, p+1 and p+2 free on 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 60000:
            continue
        try:
            for p in (port + 1, port + 2):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


def roster_text(now: datetime) -> str:
    # the normal deadline passed an hour ago; c01 (1/3 more time: +10 h) is still on time, c03 is late
    start = (now - timedelta(hours=31)).isoformat(timespec="seconds")
    return f"""\
session:
  debut: {start}
  duree_heures: 30
jures:
  - {{id: jmartin, nom: Jeanne Martin, email: jeanne.martin@example.org}}
  - {{id: pdurand, nom: Paul Durand, email: paul.durand@example.org}}
  - {{id: lpetit, nom: Lucie Petit, email: lucie.petit@example.org}}
candidats:
  - {{id: c01, nom: Alice Leroy, email: alice.leroy@example.org, majoration: 1/3}}
  - {{id: c02, nom: Bruno Caron, email: bruno.caron@example.org}}
  - {{id: c03, nom: Chloé Noël, email: chloe.noel@example.org}}
equipes:
  - {{id: t1, candidats: [c01, c02], jures: [jmartin, pdurand]}}
  - {{id: t2, candidats: [c03], jures: [pdurand, lpetit]}}
"""


@pytest.fixture(scope="module")
def trial(demo_ws):
    from mspr.hub.trial import down, load_state, release, up

    base = Path(tempfile.mkdtemp(prefix="mspr-hub-test-"))
    os.chmod(base, 0o755)  # the accounts must traverse it
    ws = Workspace(base / "cohorte")
    shutil.copytree(demo_ws.release(A1), ws.release(A1))
    roster = base / "roster.yaml"
    roster.write_text(roster_text(datetime.now(timezone.utc)), encoding="utf-8")
    hub_dir = base / "hub"
    state = up(roster, hub_dir=hub_dir, trainers=["formateur"], port=free_port())
    try:
        release(hub_dir, ws, A1)
        yield {"state": state, "ws": ws, "hub_dir": hub_dir, "hub": Hub(state.url)}
    finally:
        if load_state(hub_dir).pid:  # a test failed before test_hub_down_leaves_nothing_behind
            down(hub_dir)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def candidates(trial):
    """c01 (team t1) and c03 (team t2): logged in with their password, servers started, A1 fetched, run, submitted."""
    hub, state = trial["hub"], trial["state"]
    servers = {}
    for user in ("c01", "c03"):  # both servers start at once
        token = hub.login(user, state.password)
        hub.start(user, token, wait=False)
        servers[user] = Server(hub, user, token)
    for user, server in servers.items():
        hub.wait_ready(user, server.headers["Authorization"].split()[1])
    for user, server in servers.items():
        r = server.post("/assignments/fetch", data={"course_id": "mspr", "assignment_id": A1})
        assert r.status_code == 200 and r.json()["success"], r.text
        server.kernel, server.outputs = None, None
        if user != "c01":  # c03 submits the notebook as fetched; it runs a cell in the browser test
            r = server.post("/assignments/submit", data={"course_id": "mspr", "assignment_id": A1})
            assert r.status_code == 200 and r.json()["success"], r.text
            continue
        model = server.get(f"/api/contents/{A1}/{A1}.ipynb").json()
        nb = nbformat.from_dict(model["content"])
        kernel = server.start_kernel(f"{A1}/{A1}.ipynb")
        codes = [c.source for c in nb.cells if c.cell_type == "code"]
        outputs = server.execute(kernel, codes)
        for cell, outs in zip([c for c in nb.cells if c.cell_type == "code"], outputs):
            cell.outputs = [nbformat.from_dict(o) for o in outs]
        r = server.put(f"/api/contents/{A1}/{A1}.ipynb", json={"type": "notebook", "format": "json",
                                                                 "content": nb})
        assert r.status_code == 200, r.text
        r = server.post("/assignments/submit", data={"course_id": "mspr", "assignment_id": A1})
        assert r.status_code == 200 and r.json()["success"], r.text
        server.kernel = kernel
        server.outputs = outputs
    return servers


def test_candidates_fetch_run_and_submit_through_the_hub(trial, candidates):
    hub_dir = trial["hub_dir"]
    # c01's notebook ran in its kernel, in the team folder, as its own account, and was saved with the outputs
    setup = candidates["c01"].outputs[0]
    assert any("lignes" in o.get("text", "") for o in setup) and not any(o["output_type"] == "error" for o in setup)
    executed = nbformat.read(hub_dir / "equipes" / "t1" / A1 / f"{A1}.ipynb", as_version=4)
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    for user, team in (("c01", "t1"), ("c03", "t2")):
        notebook = hub_dir / "equipes" / team / A1 / f"{A1}.ipynb"
        assert pwd.getpwuid(notebook.stat().st_uid).pw_name == f"mspr-{user}"  # fetched by the candidate itself
        assert notebook.stat().st_mode & 0o007 == 0  # umask 007: nothing for other accounts
        inbound = list((hub_dir / "echange" / team / "mspr" / "inbound").iterdir())
        assert [p.name.split("+")[:2] for p in inbound] == [[f"mspr-{user}", A1]]


def test_a_candidate_cannot_see_another_teams_files_or_submission(trial, candidates):
    hub_dir, c01 = trial["hub_dir"], candidates["c01"]
    # through the hub: c03's server refuses c01's token
    assert c01.get("/api/contents").status_code == 200
    other = Server(trial["hub"], "c03", c01.headers["Authorization"].split()[1])
    assert other.get("/api/contents").status_code in (302, 403)
    assert other.get(f"/api/contents/{A1}/{A1}.ipynb").status_code in (302, 403)
    # through c01's own server: nothing outside its team folder
    for path in ("/api/contents/%2E%2E", "/api/contents/%2E%2E%2Ft2", "/api/contents/..%2Ft2",
                 f"/api/contents/%2E%2E%2F%2E%2E%2Fechange%2Ft2%2Fmspr%2Finbound"):
        r = c01.get(path)
        assert r.status_code != 200 and "c03" not in r.text, (path, r.status_code)
    # through c01's kernel (code runs as mspr-c01): team t2's folder, exchange and submission are closed
    team_b = hub_dir / "equipes" / "t2"
    inbound_b = hub_dir / "echange" / "t2" / "mspr" / "inbound"
    submission_b = next(inbound_b.iterdir()) / f"{A1}.ipynb"
    probe = f"""
import os
refus = []
for action, chemin in [("lister", {str(team_b)!r}), ("lister", {str(inbound_b)!r}),
                       ("lire", {str(team_b / A1 / (A1 + '.ipynb'))!r}), ("lire", {str(submission_b)!r})]:
    try:
        os.listdir(chemin) if action == "lister" else open(chemin).read()
    except PermissionError:
        refus.append(chemin)
print(len(refus))
"""
    out = c01.execute(c01.kernel, [probe])[0]
    assert [o.get("text", "").strip() for o in out if o["output_type"] == "stream"] == ["4"], out
    # nbgrader's assignment list of c01 shows its team's exchange only
    listed = c01.get("/assignments", params={"course_id": "mspr"}).json()["value"]
    assert listed and all(a["course_id"] == "mspr" for a in listed)
    assert not any("c03" in json.dumps(a) for a in listed)


def test_roles_trainer_sees_everyone_juror_only_the_teams_assessed(trial):
    hub, state = trial["hub"], trial["state"]
    trainer = hub.login("formateur", state.password)
    names = {u["name"] for u in hub.api(trainer, "/users").json()}
    assert {"c01", "c02", "c03", "jmartin", "formateur"} <= names
    groups = {g["name"]: sorted(g["users"]) for g in hub.api(trainer, "/groups").json()}
    assert groups == {"equipe-t1": ["c01", "c02"], "equipe-t2": ["c03"]}
    juror = hub.login("jmartin", state.password)  # assesses t1 only
    r = hub.api(juror, "/users")
    assert r.status_code == 200, r.text
    seen = {u["name"] for u in r.json()}
    assert {"c01", "c02"} <= seen and "c03" not in seen


def test_trainer_collects_both_late_kept_and_flagged(trial, candidates):
    from mspr.hub.trial import collect

    ws = trial["ws"]
    collected = {c.team_id: c for c in collect(trial["hub_dir"], ws, A1)}
    assert set(collected) == {"t1", "t2"}
    assert not collected["t1"].late  # c01's 1/3 extra time covers it
    assert collected["t2"].late  # c03 has no extension: late, yet kept and recorded
    for team in ("t1", "t2"):
        assert (ws.submitted(team, A1) / f"{A1}.ipynb").is_file()
        assert Path(collected[team].kept).is_dir()
    log = json.loads((ws.root / "hub" / "ramassage.json").read_text(encoding="utf-8"))
    assert {(e["team_id"], e["late"]) for e in log} == {("t1", False), ("t2", True)}


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

#: Chromium's flags on this machine's closed network (/work/.library/env/machines/python.md).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: Where the browser test leaves its screenshot (git-ignored).
CAPTURES = Path(__file__).resolve().parents[1] / "build" / "captures"


def _run_first_cell(page, code, attempts: int = 3) -> None:
    """Run a cell as a candidate would (click, Shift+Enter) once the kernel is ready, until it shows an output.

    JupyterLab ignores a Shift+Enter that comes before the cell's editor has
    the focus, and may ask which kernel to use: wait for the kernel to be
    idle, accept a kernel dialog, and try again a bounded number of times.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(timeout=120_000)
    except PlaywrightTimeout:
        pass  # older or restyled indicator: the attempts below still wait for the output
    output = code.locator(".jp-OutputArea-output").first
    for attempt in range(attempts):
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():
            dialog.first.click()
        code.locator(".jp-InputArea-editor").first.click()
        page.keyboard.press("Shift+Enter")
        try:
            output.wait_for(timeout=60_000 if attempt < attempts - 1 else 180_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="chromium absent : « make deps-systeme » (root) l'installe")
def test_candidate_workspace_in_a_browser_is_french_without_instructor_tools(trial, candidates):
    """c03 logs in with the form, opens A1 in JupyterLab (in French), runs one cell; a screenshot is kept."""
    from playwright.sync_api import sync_playwright

    hub, state = trial["hub"], trial["state"]
    CAPTURES.mkdir(parents=True, exist_ok=True)
    shot = CAPTURES / "jupyterlab-candidat-a1.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="fr-FR")
            page.set_default_timeout(180_000)
            page.goto(f"{hub.url}/hub/login")
            page.fill("#username_input", "c03")
            page.fill("#password_input", state.password)
            page.click("#login_submit")
            page.wait_for_url("**/user/c03/**")
            page.goto(f"{hub.url}/user/c03/lab/tree/{A1}/{A1}.ipynb")
            page.wait_for_selector(".jp-Notebook .jp-Cell")
            menus = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
            assert "Fichier" in menus and "Noyau" in menus, menus  # File, Kernel: the French language pack
            assert not any("nbgrader" in m.lower() for m in menus), menus  # no instructor menu for candidates
            locked = page.locator(".jp-Notebook .jp-CodeCell:has(.jp-mod-readOnly)")
            locked.first.wait_for()  # nbgrader's locked cells are read-only in the interface (editors load late)…
            marker = locked.first.locator(".jp-InputPrompt").evaluate(
                "e => getComputedStyle(e, '::after').content")
            assert "verrouillée" in marker  # …and visibly marked so (custom.css of the candidates)
            code = page.locator(".jp-Notebook .jp-CodeCell").first
            _run_first_cell(page, code)
            assert "lignes" in code.locator(".jp-OutputArea").inner_text()
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000


def test_hub_down_leaves_nothing_behind(trial, candidates):
    from mspr.hub.trial import down, hub_processes, load_state

    state = trial["state"]
    running = hub_processes(state)
    assert len(running) >= 4  # hub, proxy, two servers (and their kernels)
    down(trial["hub_dir"])
    assert hub_processes(state) == {}
    for account in ("mspr-c01", "mspr-c03", "mspr-formateur"):
        with pytest.raises(KeyError):
            pwd.getpwnam(account)
    assert load_state(trial["hub_dir"]).pid == 0
