"""Zero-to-JupyterHub (Helm chart ``jupyterhub``) values for a cohort: the same set-up on Kubernetes.

What changes from the machine trial (:mod:`mspr.hub.trial`):

* **Exchange without a shared file system**: nbgrader's exchange is a
  folder every server must mount; on Kubernetes it is replaced by
  `ngshare <https://github.com/LibreTexts/ngshare>`_, a hub service that
  stores assignments and submissions in its own database, and
  ``ngshare_exchange`` in the single-user image. Each team is its own
  ngshare *course* (``mspr-<team>``), whose students are the team's
  members only: a candidate cannot list another team's submissions.
* **Team folders**: one ``ReadWriteMany`` volume claim per team
  (``equipe-<team>``), mounted by KubeSpawner on the team members' pods
  only (``pre_spawn_hook``), with ``fsGroup`` so that the files are shared
  within the pod's group.
* **Per-user limits**: ``singleuser.memory`` and ``singleuser.cpu`` are
  enforced by Kubernetes (cgroups), not by ``prlimit``.
* **Sizing for 200 teams** (up to 800 candidates, four per team): concurrent
  spawns throttled, an active-server cap above the cohort, placeholder pods
  so that a morning rush does not wait for new nodes, the idle culler.
"""

from __future__ import annotations

import json

from mspr.hub.config import CANDIDATE_DISABLED_LABEXTENSIONS, CANDIDATE_DISABLED_SERVER_EXTENSIONS, LOCALE, Limits, plan

__all__ = ["helm_values", "TOP_LEVEL_KEYS"]

#: Top-level keys of the Zero-to-JupyterHub chart's values (chart 4.x), to catch typos without the chart.
TOP_LEVEL_KEYS = frozenset({"fullnameOverride", "nameOverride", "enabled", "imagePullSecrets", "imagePullSecret",
                            "custom", "hub", "rbac", "proxy", "singleuser", "scheduling", "ingress", "prePuller",
                            "cull", "debug", "global"})

#: Python run by the hub (``hub.extraConfig``): teams' volumes and role configuration per pod.
_SPAWN_HOOK = '''\
import json

PLAN = json.loads(r"""{plan}""")


def mspr_pre_spawn_hook(spawner):
    """Mount the team's volume on a candidate's pod; the candidates' Jupyter configuration (instructor tools off)."""
    name = spawner.user.name
    team = PLAN["team_of"].get(name)
    if team is None:  # trainers and jurors: nbgrader's full interface, no team volume
        return
    spawner.volumes = list(spawner.volumes) + [
        {{"name": "equipe", "persistentVolumeClaim": {{"claimName": f"equipe-{{team}}"}}}}]
    spawner.volume_mounts = list(spawner.volume_mounts) + [
        {{"name": "equipe", "mountPath": "/home/jovyan/equipe"}}]
    spawner.environment.update({{"MSPR_EQUIPE": team, "MSPR_COURS": f"mspr-{{team}}",
                                "JUPYTER_CONFIG_PATH": "/etc/mspr/candidats"}})


c.KubeSpawner.pre_spawn_hook = mspr_pre_spawn_hook
c.JupyterHub.load_groups = {{f"equipe-{{t}}": {{"users": m}} for t, m in PLAN["teams"].items()}}
'''


def helm_values(roster, trainers: list[str], *, image: str = "registry.example.org/mspr-workbench",
                tag: str = "latest", limits: Limits | None = None, storage_class: str = "cephfs") -> dict:
    """Return the chart values for a cohort (YAML-serialisable dict).

    Parameters
    ----------
    roster : mspr.jury.roster.Roster
    trainers : list of str
        Trainers' user names (role ``formateur``).
    image, tag : str
        Single-user image built from ``environment.yml`` (repo2docker), with
        ``ngshare_exchange`` and the French language pack.
    limits : Limits, optional
        Per-user limits (default ``Limits()``: 4 GiB, 1 core).
    storage_class : str, default="cephfs"
        A ``ReadWriteMany`` storage class for the team volumes.

    Returns
    -------
    dict
        Values for ``helm upgrade --install mspr jupyterhub/jupyterhub -f values.yaml``.
    """
    limits = limits or Limits()
    data = plan(roster, trainers)
    users = len(data["users"])
    ngshare_url = "http://ngshare.default.svc.cluster.local:8080/services/ngshare"
    # the chart runs its own culler service (values "cull"); the mspr tool talks to ngshare instead
    roles = [dict(r) for r in data["roles"] if r["name"] not in ("culler", "outil-mspr")]
    roles.append({"name": "ngshare", "description": "Service d'échange nbgrader (ngshare)",
                  "scopes": ["read:users", "read:groups", "list:users", "list:groups"], "services": ["ngshare"]})
    hook = _SPAWN_HOOK.format(plan=json.dumps({"teams": data["teams"], "team_of": data["team_of"]},
                                              ensure_ascii=False))
    return {
        "hub": {
            "config": {
                "JupyterHub": {"authenticator_class": "generic-oauth", "admin_access": False},
                "Authenticator": {"allowed_users": data["users"], "admin_users": []},
                "GenericOAuthenticator": {"client_id": "mspr", "login_service": "Compte de l'école",
                                          "username_claim": "preferred_username"},
            },
            "loadRoles": {r["name"]: {k: v for k, v in r.items() if k != "name"} for r in roles},
            "services": {"ngshare": {"url": "http://ngshare:8080"}},
            "db": {"type": "sqlite-pvc", "pvc": {"storage": "5Gi"}},
            "concurrentSpawnLimit": 64,
            "activeServerLimit": users + 20,
            "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
            "extraConfig": {"mspr-equipes": hook},
        },
        "proxy": {"chp": {"resources": {"requests": {"cpu": "500m", "memory": "512Mi"},
                                        "limits": {"cpu": "1", "memory": "1Gi"}}},
                  "service": {"type": "ClusterIP"}},
        "singleuser": {
            "image": {"name": image, "tag": tag},
            "defaultUrl": "/lab",
            "memory": {"limit": f"{limits.memory_gib}G", "guarantee": "1G"},
            "cpu": {"limit": limits.cpus, "guarantee": 0.25},
            "storage": {"type": "dynamic", "capacity": "5Gi", "dynamic": {"storageClass": storage_class}},
            "startTimeout": 300,
            "networkPolicy": {"enabled": True},
            "extraEnv": {"LANG": "fr_FR.UTF-8", "MLFLOW_DISABLE_TELEMETRY": "true",
                         "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "NGSHARE_URL": ngshare_url},
            "extraFiles": {
                "nbgrader": {"mountPath": "/etc/jupyter/nbgrader_config.py", "stringData": (
                    "from ngshare_exchange import configureExchange\n"
                    "import os\n"
                    "c = get_config()  # noqa: F821\n"
                    f"configureExchange(c, {ngshare_url!r})\n"
                    "c.CourseDirectory.course_id = os.environ.get('MSPR_COURS', 'mspr')\n")},
                "locale": {"mountPath": "/etc/jupyter/labconfig/default_setting_overrides.json",
                           "data": {"@jupyterlab/translation-extension:plugin": {"locale": LOCALE}}},
                "candidats": {"mountPath": "/etc/mspr/candidats/labconfig/page_config.json",
                              "data": {"disabledExtensions": {n: True for n in CANDIDATE_DISABLED_LABEXTENSIONS}}},
                "candidats-serveur": {"mountPath": "/etc/mspr/candidats/jupyter_server_config.json",
                                      "data": {"ServerApp": {"jpserver_extensions": {
                                          n: False for n in CANDIDATE_DISABLED_SERVER_EXTENSIONS}}}},
            },
        },
        "scheduling": {"userScheduler": {"enabled": True}, "podPriority": {"enabled": True},
                       "userPlaceholder": {"enabled": True, "replicas": max(4, users // 20)}},
        "prePuller": {"hook": {"enabled": True}, "continuous": {"enabled": True}},
        "cull": {"enabled": True, "timeout": limits.cull_timeout_s, "every": 600, "concurrency": 10,
                 "users": False},
    }
