"""Generate the cohort's ``jupyterhub_config.py`` and lay out its folders, from the roster.

The template is ``deploy/jupyterhub/jupyterhub_config.py.j2`` (jinja2). What
the roster decides is computed here, in :func:`plan`, as plain data:

* teams become JupyterHub groups ``equipe-<team>``;
* trainers get the ``formateur`` role (users, servers, groups, admin page);
  each juror a role ``jure-<id>`` whose scopes are filtered on the groups
  of the teams the juror assesses (``!group=equipe-<team>``), read-only on
  users and with access to those teams' servers only;
* the idle culler and the ``mspr`` tool (release, collect) are services with
  the least scopes they need.

:func:`lay_out` makes the folders the configuration points at: one folder
per team, readable and writable by the team's members only (group
``<prefix>eq-<team>``, mode ``2770``), one nbgrader exchange per team under
the same group (nbgrader's default exchange, ``/srv/nbgrader/exchange``, is
world-writable: any candidate could list every inbound submission), and the
Jupyter configuration of each role (the candidates' enables only nbgrader's
assignment list and validate extensions, and sets the French locale).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mspr.errors import MsprError
from mspr.paths import COURSE_ID, REPO_ROOT

__all__ = ["Limits", "TEMPLATE", "CANDIDATE_DISABLED_LABEXTENSIONS", "CANDIDATE_DISABLED_SERVER_EXTENSIONS",
           "plan", "render_config", "lay_out", "proxy_command"]

#: The template of the configuration.
TEMPLATE = REPO_ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py.j2"

#: Where ``make hub-deps`` installs configurable-http-proxy with npm (git-ignored).
PROXY_BIN = REPO_ROOT / "build" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"

#: nbgrader's instructor-side JupyterLab plugins, disabled for candidates (ids of nbgrader 0.9.6's labextension).
CANDIDATE_DISABLED_LABEXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                                    "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:menu")

#: nbgrader's instructor-side server extensions, disabled for candidates.
CANDIDATE_DISABLED_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                                        "nbgrader.server_extensions.course_list")

#: Scopes of the trainers' role (JupyterHub RBAC).
TRAINER_SCOPES = ("admin-ui", "admin:users", "admin:servers", "access:servers", "list:users", "read:users",
                  "admin:groups", "read:groups", "list:groups")

#: Scopes of the ``mspr`` tool service: start servers, make tokens for the trial, read groups.
TOOL_SCOPES = ("admin:users", "admin:servers", "tokens", "list:users", "read:users", "read:groups",
               "list:groups", "access:servers")

#: Scopes of the idle culler (as jupyterhub-idle-culler documents them).
CULLER_SCOPES = ("list:users", "read:users:activity", "read:servers", "delete:servers")

#: French locale of JupyterLab (jupyterlab-language-pack-fr-FR).
LOCALE = "fr_FR"


@dataclass(frozen=True)
class Limits:
    """Per-user resource limits of a cohort's servers.

    Attributes
    ----------
    memory_gib : int, default=4
        Address space of each process of a user's server (``prlimit --as``)
        and the ``mem_limit`` given to KubeSpawner, GiB.
    cpus : float, default=1
        ``cpu_limit`` given to KubeSpawner (cores); not enforced by the local trial.
    nproc : int, default=256
        Processes and threads per account (``prlimit --nproc``).
    nofile : int, default=1024
        Open files per process (``prlimit --nofile``).
    cull_timeout_s : int, default=3600
        A server idle this long is stopped by the culler, seconds.
    """

    memory_gib: int = 4
    cpus: float = 1
    nproc: int = 256
    nofile: int = 1024
    cull_timeout_s: int = 3600


def proxy_command() -> list[str]:
    """Return the configurable-http-proxy command line.

    Returns
    -------
    list of str
        The project's local install (``make hub-deps``), else the one on ``PATH``.

    Raises
    ------
    MsprError
        If neither exists (French hint: ``make hub-deps``, which needs npm).
    """
    if PROXY_BIN.is_file():
        return [str(PROXY_BIN)]
    from shutil import which

    found = which("configurable-http-proxy")
    if found:
        return [found]
    raise MsprError("configurable-http-proxy introuvable (le proxy de JupyterHub)", path=PROXY_BIN,
                    hint="installez-le avec « make hub-deps » (Node.js et npm nécessaires)")


def plan(roster, trainers: list[str], *, account_prefix: str = "mspr-") -> dict:
    """Compute, from the roster, the users, groups and roles of the hub.

    Parameters
    ----------
    roster : mspr.jury.roster.Roster
        Teams, candidates, jurors.
    trainers : list of str
        Hub user names of the trainers (not in the roster); at least one.
    account_prefix : str, default="mspr-"
        Prefix of the system accounts and groups.

    Returns
    -------
    dict
        ``{"users": [...], "teams": {team: [candidate ids]}, "team_of":
        {candidate: team}, "role_of": {user: "candidat" | "formateur" |
        "jure"}, "roles": [JupyterHub role dicts], "deadlines": {candidate:
        ISO 8601 deadline with the candidate's accommodation}}``.

    Raises
    ------
    MsprError
        If no trainer is given, or a trainer or juror id is also a candidate id.
    """
    if not trainers:
        raise MsprError("aucun formateur : le hub a besoin d'au moins un compte formateur",
                        hint="ajoutez --formateur IDENTIFIANT")
    candidates = [c.id for c in roster.candidates]
    jurors = [j.id for j in roster.jurors]
    clash = sorted(set(trainers) & (set(candidates) | set(jurors)) | set(jurors) & set(candidates))
    if clash:
        raise MsprError(f"identifiant utilisé par deux personnes : {', '.join(clash)}",
                        hint="donnez des identifiants distincts aux candidats, jurés et formateurs")
    teams = {t.id: list(t.candidates) for t in roster.teams}
    roles = [
        {"name": "formateur", "description": "Formateurs : comptes, serveurs, équipes, page d'administration",
         "scopes": list(TRAINER_SCOPES), "users": list(trainers)},
        {"name": "outil-mspr", "description": "Outil mspr hub : diffusion et ramassage des épreuves",
         "scopes": list(TOOL_SCOPES), "services": ["mspr"]},
        {"name": "culler", "description": "Arrêt des serveurs inactifs", "scopes": list(CULLER_SCOPES),
         "services": ["culler"]},
    ]
    for juror in jurors:
        groups = [f"equipe-{t.id}" for t in roster.teams if juror in t.jurors]
        scopes = ["self"] + [f"{scope}!group={g}" for g in groups
                             for scope in ("list:users", "read:users", "access:servers", "read:groups")]
        roles.append({"name": f"jure-{juror}", "description": f"Juré {juror} : serveurs des équipes évaluées",
                      "scopes": scopes, "users": [juror]})
    role_of = {**{c: "candidat" for c in candidates}, **{j: "jure" for j in jurors},
               **{t: "formateur" for t in trainers}}
    return {
        "users": sorted(role_of),
        "teams": teams,
        "team_of": {c: t for t, members in teams.items() for c in members},
        "role_of": role_of,
        "roles": roles,
        "deadlines": {c.id: roster.deadline(c).isoformat() for c in roster.candidates},
        "account_prefix": account_prefix,
    }


def render_config(roster, hub_dir: str | Path, *, roster_path: str | Path = "", trainers: list[str],
                  port: int = 8000, authenticator: str = "dummy", account_prefix: str = "mspr-",
                  limits: Limits | None = None, proxy: list[str] | None = None, python: str | None = None) -> str:
    """Render ``jupyterhub_config.py`` for a cohort.

    Parameters
    ----------
    roster : mspr.jury.roster.Roster
    hub_dir : str or pathlib.Path
        The hub's folder (database, team folders, exchanges, configurations).
    roster_path : str or pathlib.Path, optional
        Named in the file's header.
    trainers : list of str
        Trainers' hub user names.
    port : int, default=8000
        Public port on 127.0.0.1; the hub's own API uses ``port + 1`` and the
        proxy's API ``port + 2``.
    authenticator : {"dummy", "pam"}, default="dummy"
        ``dummy``: the trial (SharedPasswordAuthenticator, one password from ``MSPR_HUB_MOT_DE_PASSE``,
        roster accounts only); ``pam``: the machine's accounts.
    account_prefix : str, default="mspr-"
    limits : Limits, optional
    proxy : list of str, optional
        configurable-http-proxy command (default :func:`proxy_command`).
    python : str, optional
        Interpreter of the users' servers and kernels (default: this one,
        ``sys.executable``); it must see the project's packages.

    Returns
    -------
    str
        Python source of the configuration; it reads the password and the
        tool's token from the environment, never holds them.
    """
    import jinja2

    if authenticator not in ("dummy", "pam"):
        raise MsprError(f"authentification inconnue : {authenticator!r}", hint="choisissez dummy ou pam")
    limits = limits or Limits()
    hub_dir = str(Path(hub_dir).resolve())
    data = plan(roster, trainers, account_prefix=account_prefix)
    bindir = Path(python or sys.executable).parent
    prlimit = ["prlimit", f"--as={limits.memory_gib * 1024**3}", f"--nproc={limits.nproc}",
               f"--nofile={limits.nofile}", "--"]
    env = {"PATH": os.pathsep.join([str(bindir), str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin",
                                    "/bin"]),
           # JupyterLab's assets and the labextensions (nbgrader's) of this environment, whatever the interpreter
           "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
           "JUPYTERLAB_DIR": str(Path(sys.prefix) / "share" / "jupyter" / "lab"),
           "LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8", "MPLBACKEND": "Agg",
           "MLFLOW_DISABLE_TELEMETRY": "true", "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    template = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), keep_trailing_newline=True,
                                  undefined=jinja2.StrictUndefined, autoescape=False)
    return template.get_template(TEMPLATE.name).render(
        roster_path=str(roster_path), teams=data["teams"], candidates=data["team_of"],
        jurors=[j.id for j in roster.jurors], trainers=trainers,
        plan_json=json.dumps(data, ensure_ascii=False, indent=1), port=port, hub_port=port + 1,
        proxy_api_port=port + 2, proxy_command=proxy or proxy_command(), hub_dir=hub_dir,
        authenticator=authenticator, account_prefix=account_prefix,
        singleuser_command=prlimit + [python or sys.executable, "-m", "jupyterhub.singleuser"],
        spawner_environment=env,
        limits=limits, cull_timeout_s=limits.cull_timeout_s, cull_every_s=max(60, limits.cull_timeout_s // 6))


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def jupyter_configs(hub_dir: Path, data: dict) -> dict[Path, dict]:
    """Return the Jupyter configuration files of each role and team (path → JSON content).

    Parameters
    ----------
    hub_dir : pathlib.Path
        The hub's folder.
    data : dict
        :func:`plan`'s output.

    Returns
    -------
    dict of pathlib.Path to dict
        ``config/candidats/``: server extensions (instructor ones off), lab
        page config (instructor plugins disabled), French locale override;
        ``config/equipes/<team>/nbgrader_config.json``: the team's exchange
        (``groupshared``: nbgrader then leaves the exchange's modes to us);
        ``config/formateurs/``, ``config/jures/``: French locale.
    """
    config = hub_dir / "config"
    # French interface; no news or update pop-up (the servers are offline during the exam)
    locale = {"@jupyterlab/translation-extension:plugin": {"locale": LOCALE},
              "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
    files = {
        config / "candidats" / "jupyter_server_config.json": {
            "ServerApp": {"jpserver_extensions": {name: False for name in CANDIDATE_DISABLED_SERVER_EXTENSIONS}},
            "LabApp": {"custom_css": True}},
        config / "candidats" / "labconfig" / "page_config.json": {
            "disabledExtensions": {name: True for name in CANDIDATE_DISABLED_LABEXTENSIONS}},
    }
    for role in ("candidats", "formateurs", "jures"):
        files[config / role / "labconfig" / "default_setting_overrides.json"] = locale
    for team in data["teams"]:
        files[config / "equipes" / team / "nbgrader_config.json"] = {
            "CourseDirectory": {"course_id": COURSE_ID, "groupshared": True},
            "Exchange": {"root": str(hub_dir / "echange" / team), "path_includes_course": False,
                         "assignment_dir": str(hub_dir / "equipes" / team)}}
    return files


#: Style of the candidates' JupyterLab: locked cells (nbgrader "read-only") visibly marked.
LOCKED_CELL_CSS = """\
/* Cellules de code verrouillées par nbgrader (éditeur en lecture seule, classe jp-mod-readOnly) :
   fond hachuré et mention « verrouillée » sous le numéro de la cellule. */
.jp-Notebook .jp-CodeCell:has(.jp-mod-readOnly) .jp-InputArea-editor {
  background: repeating-linear-gradient(135deg, #f1f1f1, #f1f1f1 8px, #e6e6e6 8px, #e6e6e6 16px);
}
.jp-Notebook .jp-CodeCell:has(.jp-mod-readOnly) .jp-InputPrompt::after {
  content: "🔒 verrouillée";
  display: block;
  font-size: 0.75em;
  color: #555;
}
"""


def lay_out(hub_dir: str | Path, data: dict, *, group_id=None, owner_uid: int = 0) -> Path:
    """Make the hub's folders with the permissions the configuration relies on.

    Parameters
    ----------
    hub_dir : str or pathlib.Path
        The hub's folder (created, mode ``0755``).
    data : dict
        :func:`plan`'s output.
    group_id : callable, optional
        ``group_id(team) -> gid`` of the team's group; when None (not root,
        or no accounts), folders keep the current group and only the
        configuration files are written.
    owner_uid : int, default=0
        Owner of the shared folders (the trainer's side: root for the trial).

    Returns
    -------
    pathlib.Path
        ``hub_dir``, resolved.
    """
    hub_dir = Path(hub_dir).resolve()
    hub_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(hub_dir, 0o755)
    for path, content in jupyter_configs(hub_dir, data).items():
        _write_json(path, content)
    # JupyterLab serves custom.css from the Jupyter configuration folder (JUPYTER_CONFIG_DIR): the team's
    for team in data["teams"]:
        custom = hub_dir / "config" / "equipes" / team / "custom" / "custom.css"
        custom.parent.mkdir(parents=True, exist_ok=True)
        custom.write_text(LOCKED_CELL_CSS, encoding="utf-8")
    for folder in (hub_dir / "config").rglob("*"):
        os.chmod(folder, 0o755 if folder.is_dir() else 0o644)
    os.chmod(hub_dir / "config", 0o755)
    (hub_dir / "formateurs").mkdir(exist_ok=True)
    os.chmod(hub_dir / "formateurs", 0o700)
    for juror, role in data["role_of"].items():
        if role == "jure":
            (hub_dir / "jures" / juror).mkdir(parents=True, exist_ok=True)
    for base in ("equipes", "echange"):
        (hub_dir / base).mkdir(exist_ok=True)
        os.chmod(hub_dir / base, 0o755)
    for team in data["teams"]:
        exchange = hub_dir / "echange" / team
        # team folder and inbound: the team's members read and write; the exchange and its outbound: the
        # trainer (root) writes, the team reads; other accounts get nothing at all
        modes = {hub_dir / "equipes" / team: 0o2770, exchange: 0o2750, exchange / COURSE_ID: 0o2750,
                 exchange / COURSE_ID / "inbound": 0o2770, exchange / COURSE_ID / "outbound": 0o2750}
        for folder, mode in modes.items():
            folder.mkdir(parents=True, exist_ok=True)
            if group_id is not None:
                os.chown(folder, owner_uid, group_id(team))
            os.chmod(folder, mode)
    return hub_dir
