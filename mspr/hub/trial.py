"""``mspr hub up`` / ``down`` / ``release`` / ``collect``: a real JupyterHub on loopback for a trial cohort.

Choices for the trial (run as root, in CI too):

* **Accounts**: one system account per roster person, ``mspr-<id>``, made
  with ``useradd`` (no password, no login shell), each candidate in the
  group ``mspr-eq-<team>``. Separate accounts are what keeps a team out of
  another team's files: the kernel runs code, so only the operating system
  can refuse ``open('../autre-equipe/…')``. ``hub down`` removes them.
* **Authentication**: JupyterHub's ``SharedPasswordAuthenticator`` restricted to the
  roster's ids, with one random password written in the hub's state file
  (mode ``0600``). PAM would need system passwords and a PAM service
  configured on the CI machine, for no gain in a trial on loopback; a real
  session uses ``--auth pam`` (or the school's OAuth on Kubernetes).
* **Exchange**: nbgrader's exchange, one per team (``echange/<team>``,
  group of the team only), instead of nbgrader's world-writable default.

Deadlines: a submission collected after the deadline of the candidate who
made it (:meth:`mspr.jury.roster.Roster.deadline`: the session's end plus
the candidate's time accommodation) is kept and recorded as late in
``<workspace>/hub/ramassage.json``, never discarded.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from mspr._proc import pid_alive
from mspr.errors import MsprError
from mspr.hub.config import lay_out, plan, proxy_command, render_config
from mspr.paths import ASSIGNMENTS, COURSE_ID, Workspace

__all__ = ["HubState", "Collected", "up", "down", "release", "collect", "load_state", "hub_processes"]

#: The hub's state file, in its folder (mode 0600: holds the trial password and the tool's token).
STATE_FILE = "etat.json"


@dataclass
class HubState:
    """What ``hub down`` and the other commands need to know about a running trial hub.

    Attributes
    ----------
    hub_dir : str
    port : int
        Public port on 127.0.0.1.
    pid : int
        The JupyterHub process (leader of its own session).
    password : str
        The trial password (SharedPasswordAuthenticator, at least 8 characters).
    token : str
        API token of the ``mspr`` service.
    roster : str
        Path of the roster.
    accounts, groups : list of str
        System accounts and groups made by ``hub up`` (removed by ``hub down``).
    prefix : str
        Prefix of the system accounts.
    """

    hub_dir: str
    port: int
    pid: int
    password: str
    token: str
    roster: str
    accounts: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    prefix: str = "mspr-"

    @property
    def url(self) -> str:
        """Public URL of the hub."""
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, *, method: str = "GET", data: dict | None = None, token: str | None = None):
        """Call the hub's REST API; return the decoded JSON (or None for an empty answer).

        Parameters
        ----------
        path : str
            After ``/hub/api``, e.g. ``"/users"``.
        method : str, default="GET"
        data : dict, optional
            JSON body.
        token : str, optional
            Default: the ``mspr`` service's token.

        Returns
        -------
        object
        """
        request = urllib.request.Request(f"{self.url}/hub/api{path}", method=method,
                                         data=json.dumps(data).encode() if data is not None else None,
                                         headers={"Authorization": f"token {token or self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None


def _state_path(hub_dir: Path) -> Path:
    return Path(hub_dir) / STATE_FILE


def load_state(hub_dir: str | Path) -> HubState:
    """Read the state of the trial hub of ``hub_dir``.

    Parameters
    ----------
    hub_dir : str or pathlib.Path

    Returns
    -------
    HubState

    Raises
    ------
    MsprError
        If no hub was started there.
    """
    path = _state_path(Path(hub_dir).resolve())
    if not path.is_file():
        raise MsprError("aucun hub d'essai démarré dans ce dossier", path=path,
                        hint="démarrez-le avec « mspr hub up --roster ROSTER »")
    return HubState(**json.loads(path.read_text(encoding="utf-8")))


def _write_state(state: HubState) -> None:
    path = _state_path(Path(state.hub_dir))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(state), fh, indent=2)



def _status(pid: int) -> str:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:"):
                return line
    except OSError:
        return ""
    return ""


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise MsprError(f"commande système en échec : {' '.join(cmd)} ({result.stderr.strip()[:300]})",
                        hint="le hub d'essai crée des comptes locaux : lancez-le en root sur une machine de test")


def _make_accounts(data: dict, hub_dir: Path, prefix: str) -> tuple[list[str], list[str]]:
    """Create the groups and accounts of the trial (skipping those that exist); return those made."""
    made_groups, made_accounts = [], []
    for team in data["teams"]:
        name = f"{prefix}eq-{team}"
        try:
            grp.getgrnam(name)
        except KeyError:
            _run(["groupadd", "--system", name])
            made_groups.append(name)
    homes = hub_dir / "maisons"
    homes.mkdir(exist_ok=True)
    os.chmod(homes, 0o755)
    for user in data["users"]:
        account = prefix + user
        team = data["team_of"].get(user)
        try:
            pwd.getpwnam(account)
        except KeyError:
            group = ["--gid", f"{prefix}eq-{team}"] if team else ["--user-group"]
            _run(["useradd", "--system", "--create-home", "--home-dir", str(homes / user), "--shell",
                  "/usr/sbin/nologin", *group, account])
            made_accounts.append(account)
            if not team:
                made_groups.append(account)
        home = Path(pwd.getpwnam(account).pw_dir)
        home.mkdir(parents=True, exist_ok=True)
        entry = pwd.getpwnam(account)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        os.chmod(home, 0o700)
    return made_accounts, made_groups


def _reachable_by_all(path: Path) -> bool:
    """True when every folder leading to ``path`` (symbolic links resolved) is traversable by other accounts."""
    return all(os.stat(parent).st_mode & 0o001 for parent in Path(os.path.realpath(path)).parents)


def servers_python(hub_dir: Path) -> str:
    """Return an interpreter the trial accounts can run, seeing this environment's packages.

    When this environment's base interpreter lies under a folder other
    accounts cannot traverse (a pyenv build under ``/root``, say), a
    virtual environment is made in ``<hub_dir>/python`` from Debian's
    ``/usr/bin/python3.11`` (same minor version, same ABI) whose ``.pth``
    file adds this environment's ``site-packages``; nothing is copied.

    Parameters
    ----------
    hub_dir : pathlib.Path

    Returns
    -------
    str
        ``sys.executable``, or ``<hub_dir>/python/bin/python``.

    Raises
    ------
    MsprError
        If no suitable interpreter exists.
    """
    import sysconfig

    base = Path(sys._base_executable if hasattr(sys, "_base_executable") else sys.executable)
    if _reachable_by_all(base) and _reachable_by_all(Path(sys.executable)):
        return sys.executable
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not system.is_file():
        raise MsprError(f"l'interpréteur Python de l'environnement ({base}) n'est pas accessible aux comptes de "
                        f"l'essai et {system} est absent",
                        hint=f"installez le paquet Debian python{sys.version_info.major}.{sys.version_info.minor}-venv")
    env = hub_dir / "python"
    python = env / "bin" / "python"
    if not python.exists():
        subprocess.run([str(system), "-m", "venv", "--without-pip", str(env)], check=True, capture_output=True)
        purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                      check=True, capture_output=True, text=True).stdout.strip())
        mine = sysconfig.get_paths()["purelib"]
        (purelib / "mspr-environnement.pth").write_text(f"import site; site.addsitedir({mine!r})\n",
                                                         encoding="utf-8")
    return str(python)


def up(roster_path: str | Path, *, hub_dir: str | Path, trainers: list[str], port: int = 8000,
       timeout_s: float = 120) -> HubState:
    """Start a trial JupyterHub on 127.0.0.1 for the cohort of a roster.

    Parameters
    ----------
    roster_path : str or pathlib.Path
        The roster (teams, candidates, jurors, accommodations).
    hub_dir : str or pathlib.Path
        The hub's folder (created): configuration, database, team folders,
        exchanges, accounts' homes, logs. Its parents must be traversable by
        every account (not under a ``0700`` folder).
    trainers : list of str
        Trainers' user names.
    port : int, default=8000
        Public port; ``port + 1`` and ``port + 2`` are used by the hub and
        the proxy's APIs.
    timeout_s : float, default=120
        How long to wait for the hub to answer.

    Returns
    -------
    HubState
        Also written to ``<hub_dir>/etat.json`` (mode ``0600``).

    Raises
    ------
    MsprError
        Not root, configurable-http-proxy missing, a hub already running
        there, or a hub that did not start (the end of its log is shown).
    """
    from mspr.jury.roster import load_roster

    if os.geteuid() != 0:
        raise MsprError("le hub d'essai crée des comptes locaux et doit être lancé en root",
                        hint="relancez la commande avec sudo, sur une machine de test")
    hub_dir = Path(hub_dir).resolve()
    if _state_path(hub_dir).is_file():
        previous = load_state(hub_dir)
        if pid_alive(previous.pid):
            raise MsprError(f"un hub d'essai tourne déjà ici (processus {previous.pid}, {previous.url})",
                            path=hub_dir, hint="arrêtez-le d'abord avec « mspr hub down »")
    for parent in hub_dir.parents:
        if parent.exists() and not os.stat(parent).st_mode & 0o001:
            raise MsprError("un dossier parent du hub n'est pas traversable par les comptes des candidats",
                            path=parent, hint="choisissez un dossier de hub hors de ce dossier (ex. /srv/mspr-hub)")
    for needed in (Path(sys.prefix), Path(__file__).resolve().parents[1]):
        if not _reachable_by_all(needed):
            raise MsprError("l'environnement Python ou le code du projet n'est pas lisible par les comptes de l'essai",
                            path=needed, hint="installez le projet hors d'un dossier fermé (ex. /srv ou /opt), "
                            "chaque dossier parent en mode 755")
    roster = load_roster(roster_path)
    prefix = "mspr-"
    data = plan(roster, trainers, account_prefix=prefix)
    proxy = proxy_command()
    hub_dir.mkdir(parents=True, exist_ok=True)
    accounts, groups = _make_accounts(data, hub_dir, prefix)
    lay_out(hub_dir, data, group_id=lambda team: grp.getgrnam(f"{prefix}eq-{team}").gr_gid)
    for user, role in data["role_of"].items():
        if role == "jure":
            entry = pwd.getpwnam(prefix + user)
            os.chown(hub_dir / "jures" / user, entry.pw_uid, entry.pw_gid)
            os.chmod(hub_dir / "jures" / user, 0o700)
    config = hub_dir / "jupyterhub_config.py"
    config.write_text(render_config(roster, hub_dir, roster_path=Path(roster_path).resolve(), trainers=trainers,
                                    port=port, authenticator="dummy", account_prefix=prefix, proxy=proxy,
                                    python=servers_python(hub_dir)),
                      encoding="utf-8")
    state = HubState(str(hub_dir), port, 0, secrets.token_urlsafe(18), secrets.token_hex(32),
                     str(Path(roster_path).resolve()), accounts, groups, prefix)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "JPY_"))}
    env.update(MSPR_HUB_MOT_DE_PASSE=state.password, MSPR_HUB_JETON=state.token,
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "/usr/bin:/bin")]))
    log = open(hub_dir / "jupyterhub.log", "ab")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)], cwd=hub_dir,
                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    state.pid = proc.pid
    _write_state(state)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            state.api("/")
            return state
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    tail = (hub_dir / "jupyterhub.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    down(hub_dir)
    raise MsprError(f"le hub n'a pas démarré en {timeout_s:.0f} s ; fin du journal :\n{tail}",
                    path=hub_dir / "jupyterhub.log", hint="lisez le journal ci-dessus")


def hub_processes(state: HubState) -> dict[int, str]:
    """Return the processes of a trial hub still running: its session and every process of its accounts.

    Parameters
    ----------
    state : HubState

    Returns
    -------
    dict of int to str
        Command line by pid.
    """
    from mspr._proc import cmdline_of

    uids = set()
    for account in state.accounts + [state.prefix + u for u in _users(state)]:
        try:
            uids.add(pwd.getpwnam(account).pw_uid)
        except KeyError:
            pass
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            status = (entry / "status").read_text()
            uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
            sid = os.getsid(pid)
        except (OSError, StopIteration, ValueError):
            continue
        if "zombie" in _status(pid):
            continue
        if uid in uids or (state.pid and sid == state.pid):
            found[pid] = cmdline_of(str(pid))
    return found


def _users(state: HubState) -> list[str]:
    config = Path(state.hub_dir) / "jupyterhub_config.py"
    try:
        text = config.read_text(encoding="utf-8")
        return json.loads(text.split("PLAN = json.loads(r'''", 1)[1].split("''')", 1)[0])["users"]
    except (OSError, IndexError, ValueError, KeyError):
        return []


def down(hub_dir: str | Path, *, keep_accounts: bool = False, timeout_s: float = 30) -> list[int]:
    """Stop a trial hub: the hub, its proxy, every server and kernel; then remove the trial accounts.

    Parameters
    ----------
    hub_dir : str or pathlib.Path
    keep_accounts : bool, default=False
        Keep the accounts and groups ``hub up`` made.
    timeout_s : float, default=30
        Wait this long after SIGTERM before killing what remains.

    Returns
    -------
    list of int
        Processes that had to be killed (SIGKILL) after the hub stopped.

    Raises
    ------
    MsprError
        If no hub was started in ``hub_dir``.
    """
    state = load_state(hub_dir)
    if state.pid and pid_alive(state.pid):
        os.kill(state.pid, signal.SIGTERM)  # JupyterHub stops the servers and the proxy (cleanup_*)
        end = time.monotonic() + timeout_s
        while time.monotonic() < end and pid_alive(state.pid):
            time.sleep(0.2)
    killed = []
    for _ in range(3):
        left = hub_processes(state)
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.3)
    if not keep_accounts:
        for account in state.accounts:
            subprocess.run(["userdel", account], capture_output=True)
        for group in state.groups:
            subprocess.run(["groupdel", group], capture_output=True)
        state.accounts, state.groups = [], []
    state.pid = 0
    _write_state(state)
    return killed


def release(hub_dir: str | Path, ws: Workspace, assignment_id: str) -> list[Path]:
    """Put the student version of an assignment in every team's exchange (nbgrader ``outbound``).

    Parameters
    ----------
    hub_dir : str or pathlib.Path
        A hub laid out by :func:`up`.
    ws : Workspace
        The cohort; ``ws.release(assignment_id)`` must exist (``mspr release``).
    assignment_id : str

    Returns
    -------
    list of pathlib.Path
        The released folders, one per team; readable by the team's group only.

    Raises
    ------
    MsprError
        Unknown assignment, or not released in the workspace.
    """
    if assignment_id not in ASSIGNMENTS:
        raise MsprError(f"assignment inconnu : {assignment_id!r}", hint=f"choisissez parmi {', '.join(ASSIGNMENTS)}")
    source = ws.release(assignment_id)
    if not source.is_dir():
        raise MsprError("la version étudiante n'a pas été générée", path=source,
                        hint=f"lancez d'abord « mspr release -w {ws.root} »")
    out = []
    for team_dir in sorted((Path(hub_dir) / "echange").iterdir()):
        outbound = team_dir / COURSE_ID / "outbound"
        dest = outbound / assignment_id
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "reponses.json"))
        gid = os.stat(outbound).st_gid
        for path in [dest, *dest.rglob("*")]:
            os.chown(path, 0, gid, follow_symlinks=False)
            os.chmod(path, 0o2750 if path.is_dir() else 0o640)
        out.append(dest)
    return out


@dataclass(frozen=True)
class Collected:
    """One submission found in a team's exchange.

    Attributes
    ----------
    team_id, candidate_id, assignment_id : str
    submitted_at : str
        nbgrader's submission time (UTC, ISO 8601).
    deadline : str
        The candidate's deadline, accommodation included (ISO 8601).
    late : bool
        Submitted after that deadline (kept all the same).
    kept : str
        Copy of the submission in the workspace (``<ws>/hub/recus/…``).
    graded : bool
        True for the team's latest submission, the one recorded with
        ``mspr submit`` (the earlier ones are kept, not graded).
    """

    team_id: str
    candidate_id: str
    assignment_id: str
    submitted_at: str
    deadline: str
    late: bool
    kept: str
    graded: bool


def collect(hub_dir: str | Path, ws: Workspace, assignment_id: str) -> list[Collected]:
    """Collect every team's submissions of an assignment from the exchanges into the workspace.

    Every submission found is copied to ``<ws>/hub/recus/<team>/<name>``
    (late or not: none is discarded); each team's latest one is then recorded
    with :func:`mspr.submissions.submit` (checked, previous one archived). The
    list is written to ``<ws>/hub/ramassage.json``.

    Parameters
    ----------
    hub_dir : str or pathlib.Path
    ws : Workspace
    assignment_id : str

    Returns
    -------
    list of Collected
        Sorted by team then time.

    Raises
    ------
    MsprError
        If a latest submission is refused by ``mspr submit`` (the others are
        recorded first; the message names the team).
    """
    from nbgrader.utils import parse_utc

    from mspr._trees import copy_tree, remove_tree
    from mspr.jury.roster import load_roster
    from mspr.submissions import submit

    state = load_state(hub_dir)
    roster = load_roster(state.roster)
    found: list[Collected] = []
    refused = []
    for team in roster.teams:
        inbound = Path(hub_dir) / "echange" / team.id / COURSE_ID / "inbound"
        entries = []
        for entry in sorted(inbound.iterdir()) if inbound.is_dir() else []:
            parts = entry.name.split("+")
            if len(parts) < 3 or parts[1] != assignment_id or not entry.is_dir():
                continue
            candidate_id = parts[0].removeprefix(state.prefix)
            if candidate_id not in team.candidates:
                continue  # only the team's own members count
            when = parse_utc(parts[2]).replace(tzinfo=timezone.utc)
            entries.append((when, candidate_id, entry))
        entries.sort()
        for index, (when, candidate_id, entry) in enumerate(entries):
            deadline = roster.deadline(roster.candidate(candidate_id))
            kept = ws.root / "hub" / "recus" / team.id / entry.name
            incomplete = []
            if not kept.exists():
                # iterative and bounded (a candidate's tree thousands of folders deep breaks shutil.copytree)
                kept.parent.mkdir(parents=True, exist_ok=True)
                incomplete = copy_tree(entry, kept).notes("rendu reçu")
                if incomplete:  # not kept half-copied: it stays whole in the exchange
                    remove_tree(kept)
                    refused.append(f"équipe {team.id} : rendu {entry.name} non ramassé, "
                                   + " ; ".join(incomplete) + " (il reste dans l'échange)")
            latest = index == len(entries) - 1
            found.append(Collected(team.id, candidate_id, assignment_id, when.isoformat(), deadline.isoformat(),
                                   when > deadline, str(kept), latest))
            if latest and not incomplete:
                try:
                    submit(ws, team.id, assignment_id, kept)
                except MsprError as error:
                    refused.append(f"équipe {team.id} : {error.format()}")
    log = ws.root / "hub" / "ramassage.json"
    previous = json.loads(log.read_text(encoding="utf-8")) if log.is_file() else []
    stamp = datetime.now(timezone.utc).isoformat()
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(json.dumps(previous + [{"ramasse_le": stamp, **asdict(c)} for c in found], ensure_ascii=False,
                              indent=2) + "\n", encoding="utf-8")
    if refused:
        raise MsprError("rendu(s) refusé(s) au ramassage :\n" + "\n".join(refused), path=log,
                        hint="les autres rendus sont enregistrés ; voyez le message avec l'équipe concernée")
    return found
