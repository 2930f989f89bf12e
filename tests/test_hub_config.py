"""The cohort's JupyterHub configuration and Helm values, generated from the roster (no hub started)."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap

import pytest
import yaml

from _jury_helpers import ROSTER
from mspr.hub.config import (CANDIDATE_DISABLED_LABEXTENSIONS, jupyter_configs, lay_out, plan, render_config)
from mspr.jury.roster import load_roster


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text(textwrap.dedent(ROSTER), encoding="utf-8")
    return load_roster(path)


def load_config(text: str, monkeypatch):
    from traitlets.config import Config

    monkeypatch.setenv("MSPR_HUB_MOT_DE_PASSE", "mot-de-passe-essai")
    monkeypatch.setenv("MSPR_HUB_JETON", "y")
    config = Config()
    exec(compile(text, "jupyterhub_config.py", "exec"), {"get_config": lambda: config})
    return config


def test_config_groups_roles_and_scopes_come_from_the_roster(roster, tmp_path, monkeypatch):
    text = render_config(roster, tmp_path / "hub", trainers=["formateur"], port=8123, proxy=["chp"])
    c = load_config(text, monkeypatch)
    assert c.JupyterHub.load_groups == {"equipe-t1": {"users": ["c01", "c02"]}, "equipe-t2": {"users": ["c03"]}}
    assert c.Authenticator.allowed_users == {"c01", "c02", "c03", "jmartin", "pdurand", "lpetit", "formateur"}
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.SharedPasswordAuthenticator.user_password == "mot-de-passe-essai"
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["formateur"]["users"] == ["formateur"] and "admin:servers" in roles["formateur"]["scopes"]
    # a juror reaches only the servers of the teams it assesses (ROSTER: jmartin -> t1; pdurand -> t1, t2)
    assert "access:servers!group=equipe-t1" in roles["jure-jmartin"]["scopes"]
    assert not any("equipe-t2" in s for s in roles["jure-jmartin"]["scopes"])
    assert {s for s in roles["jure-pdurand"]["scopes"] if s.startswith("access:servers")} == {
        "access:servers!group=equipe-t1", "access:servers!group=equipe-t2"}
    assert not any(s.startswith(("admin", "access:servers")) and "!" not in s
                   for r in roles.values() if r["name"].startswith("jure") for s in r["scopes"])
    assert {s["name"] for s in c.JupyterHub.services} == {"culler", "mspr"}
    culler = next(s for s in c.JupyterHub.services if s["name"] == "culler")
    assert "--timeout=3600" in culler["command"]
    assert set(roles["culler"]["scopes"]) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8123"
    assert c.Spawner.cmd[0] == "prlimit" and f"--as={4 * 1024**3}" in c.Spawner.cmd
    assert c.CohortSpawner.team_of == {"c01": "t1", "c02": "t1", "c03": "t2"}


def test_pam_config_for_a_real_session(roster, tmp_path, monkeypatch):
    c = load_config(render_config(roster, tmp_path, trainers=["f1"], authenticator="pam", proxy=["chp"]), monkeypatch)
    assert c.JupyterHub.authenticator_class == "pam"


def test_candidates_get_french_lab_without_instructor_tools_and_a_private_exchange(roster, tmp_path):
    data = plan(roster, ["formateur"])
    hub = lay_out(tmp_path / "hub", data)
    files = jupyter_configs(hub, data)
    page = files[hub / "config" / "candidats" / "labconfig" / "page_config.json"]
    assert set(page["disabledExtensions"]) == set(CANDIDATE_DISABLED_LABEXTENSIONS)
    assert "@jupyter/nbgrader:assignment-list" not in page["disabledExtensions"]
    assert "@jupyter/nbgrader:validate-assignment" not in page["disabledExtensions"]
    server = files[hub / "config" / "candidats" / "jupyter_server_config.json"]
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    for role in ("candidats", "formateurs", "jures"):
        overrides = json.loads((hub / "config" / role / "labconfig" / "default_setting_overrides.json").read_text())
        assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "fr_FR"
    exchange = json.loads((hub / "config" / "equipes" / "t1" / "nbgrader_config.json").read_text())
    assert exchange["Exchange"]["root"] == str(hub / "echange" / "t1")
    # permissions: team folder and inbound shared by the group only, nothing for other accounts
    assert (hub / "equipes" / "t1").stat().st_mode & 0o7777 == 0o2770
    assert (hub / "echange" / "t1" / "mspr" / "inbound").stat().st_mode & 0o7777 == 0o2770
    assert (hub / "echange" / "t1").stat().st_mode & 0o007 == 0
    assert "verrouillée" in (hub / "config" / "equipes" / "t1" / "custom" / "custom.css").read_text()


def test_language_pack_and_nbgrader_plugin_ids_are_installed():
    """The French pack is importable and the plugin ids we disable exist in nbgrader's labextension."""
    import importlib.util
    from pathlib import Path

    import nbgrader

    assert importlib.util.find_spec("jupyterlab_language_pack_fr_FR") is not None
    static = Path(nbgrader.__file__).parent / "labextension" / "static"
    text = "".join(p.read_text(errors="replace") for p in static.glob("*.js"))
    for plugin in CANDIDATE_DISABLED_LABEXTENSIONS + ("@jupyter/nbgrader:assignment-list",):
        assert f'"{plugin}"' in text, plugin


# -- Kubernetes ------------------------------------------------------------------------------------


def big_roster(tmp_path, teams=200):
    jurors = [{"id": f"j{i:03d}", "nom": f"Juré {i}", "email": f"j{i}@example.org"} for i in range(100)]
    candidates, equipes = [], []
    for t in range(teams):
        members = [f"c{t:03d}{k}" for k in range(4)]
        candidates += [{"id": m, "nom": f"Candidat {m}", "email": f"{m}@example.org"} for m in members]
        equipes.append({"id": f"eq{t:03d}", "candidats": members, "jures": [f"j{t % 100:03d}", f"j{(t + 1) % 100:03d}"]})
    doc = {"session": {"debut": "2026-12-01T09:00:00+01:00"}, "jures": jurors, "candidats": candidates,
           "equipes": equipes}
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_roster(path)


def test_helm_values_for_200_teams(tmp_path):
    from mspr.hub.helm import TOP_LEVEL_KEYS, helm_values

    values = helm_values(big_roster(tmp_path), ["formateur"])
    text = yaml.safe_dump(values, allow_unicode=True)
    again = yaml.safe_load(text)
    assert set(again) <= TOP_LEVEL_KEYS
    assert len(again["hub"]["config"]["Authenticator"]["allowed_users"]) == 800 + 100 + 1
    assert again["hub"]["activeServerLimit"] >= 901
    assert again["cull"]["enabled"] and again["singleuser"]["memory"]["limit"] == "4G"
    # the exchange needs no shared file system: ngshare is a hub service, configured in every server
    assert "ngshare" in again["hub"]["services"]
    assert "configureExchange" in again["singleuser"]["extraFiles"]["nbgrader"]["stringData"]
    # the hub's extra Python compiles, and its spawn hook mounts the team's volume for a candidate only
    hook = again["hub"]["extraConfig"]["mspr-equipes"]
    namespace = {"c": type("C", (), {"KubeSpawner": type("K", (), {})(), "JupyterHub": type("J", (), {})()})()}
    exec(compile(hook, "extraConfig", "exec"), namespace)
    spawner = type("S", (), {})()
    spawner.user = type("U", (), {"name": "c0070"})()
    spawner.volumes, spawner.volume_mounts, spawner.environment, spawner.args = [], [], {}, []
    namespace["mspr_pre_spawn_hook"](spawner)
    assert spawner.volumes[0]["persistentVolumeClaim"]["claimName"] == "equipe-eq007"
    assert spawner.environment["MSPR_COURS"] == "mspr-eq007"
    spawner.user.name, spawner.volumes = "formateur", []
    namespace["mspr_pre_spawn_hook"](spawner)
    assert spawner.volumes == []
    assert len(namespace["c"].JupyterHub.load_groups) == 200


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm absent : rendu du chart non vérifié (test YAML ci-dessus)")
def test_helm_template_renders(tmp_path):
    from mspr.hub.helm import helm_values

    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(helm_values(big_roster(tmp_path, 3), ["formateur"])), encoding="utf-8")
    chart = shutil.which("helm")
    result = subprocess.run([chart, "template", "mspr", "jupyterhub/jupyterhub", "-f", str(values)],
                            capture_output=True, text=True)
    if "repo jupyterhub not found" in result.stderr or "could not" in result.stderr:
        pytest.skip("chart jupyterhub absent du cache local de helm (pas de réseau)")
    assert result.returncode == 0, result.stderr
