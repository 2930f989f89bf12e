"""The cohort's JupyterHub spawner: one system account per person, the team folder as root.

:class:`CohortSpawner` is JupyterHub's ``LocalProcessSpawner`` with three
changes, all driven by the configuration generated from the roster
(:func:`mspr.hub.config.render_config`):

* the hub user ``c01`` runs as the system account ``<prefix>c01`` (the trial
  creates ``mspr-c01``), so that a roster id never collides with an account
  of the machine;
* a candidate's server opens on the team folder (shared by the team's
  members only: group ``<prefix>eq-<team>``, mode ``2770``), a trainer's on
  the trainers' folder, a juror's on an empty folder of its own;
* the Jupyter configuration is chosen per role and per team: the
  candidates' one enables only nbgrader's candidate-side extensions and
  points nbgrader's exchange at the team's own exchange folder; the files
  a server creates are not readable by other accounts (umask ``007``).
"""

from __future__ import annotations

import os
import pwd
import sys

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Dict, Unicode


class CohortSpawner(LocalProcessSpawner):
    """``LocalProcessSpawner`` mapping roster ids to system accounts, team folders and role configurations.

    Configuration (traitlets, written by :func:`mspr.hub.config.render_config`):

    ``account_prefix`` : str
        Prefix of the system accounts (``"mspr-"``).
    ``hub_dir`` : str
        The cohort's hub folder (``equipes/``, ``echange/``, ``config/``…).
    ``team_of`` : dict of str to str
        Candidate id → team id.
    ``role_of`` : dict of str to str
        Hub user → ``"candidat"``, ``"formateur"`` or ``"jure"``.

    Parameters
    ----------
    **kwargs
        Passed to ``LocalProcessSpawner`` (JupyterHub makes spawners itself).
    """

    account_prefix = Unicode("mspr-", config=True, help="Prefix of the system accounts.")
    hub_dir = Unicode("", config=True, help="The cohort's hub folder.")
    team_of = Dict(config=True, help="Candidate id -> team id.")
    role_of = Dict(config=True, help="Hub user -> candidat, formateur or jure.")

    def account(self) -> str:
        """Return the system account of this server's user.

        Returns
        -------
        str
            ``account_prefix + user name``.
        """
        return self.account_prefix + self.user.name

    def user_env(self, env):
        """Set ``USER``, ``HOME`` and ``SHELL`` from the system account (not the hub name).

        Parameters
        ----------
        env : dict of str to str
            The server's environment, changed in place.

        Returns
        -------
        dict of str to str
            ``env``.
        """
        entry = pwd.getpwnam(self.account())
        env["USER"] = entry.pw_name
        env["HOME"] = entry.pw_dir
        env["SHELL"] = "/bin/bash"
        return env

    def make_preexec_fn(self, name):
        """Switch to the system account, its groups and a ``007`` umask before starting the server.

        Parameters
        ----------
        name : str
            The hub user name (ignored: the account is :meth:`account`).

        Returns
        -------
        callable
            The ``preexec_fn`` of the server's process.
        """
        setuid = super().make_preexec_fn(self.account())

        def preexec():
            setuid()
            os.umask(0o007)

        return preexec

    def get_env(self):
        """Return the hub's environment for the server, plus the role's and team's Jupyter configuration folders.

        Returns
        -------
        dict of str to str
            ``JUPYTER_CONFIG_DIR`` (the team's, with its nbgrader exchange, for a
            candidate), ``JUPYTER_CONFIG_PATH`` (the role's, then the environment's).
        """
        env = super().get_env()
        role = self.role_of.get(self.user.name, "candidat")
        config = os.path.join(self.hub_dir, "config")
        # the environment's own configuration (extensions enabled at install) comes last, the role's overrides it
        installed = os.path.join(sys.prefix, "etc", "jupyter")
        if role == "candidat":
            team = self.team_of[self.user.name]
            env["JUPYTER_CONFIG_DIR"] = os.path.join(config, "equipes", team)
            env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([os.path.join(config, "candidats"), installed])
            env["MSPR_EQUIPE"] = team
        else:
            env["JUPYTER_CONFIG_DIR"] = os.path.join(config, "formateurs" if role == "formateur" else "jures")
            env["JUPYTER_CONFIG_PATH"] = installed
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        return env

    def start(self):
        """Open the server on the user's folder, then start it as ``LocalProcessSpawner`` does.

        Returns
        -------
        coroutine
            ``LocalProcessSpawner.start()``, which JupyterHub awaits: the
            server's address and port.
        """
        role = self.role_of.get(self.user.name, "candidat")
        if role == "candidat":
            self.notebook_dir = os.path.join(self.hub_dir, "equipes", self.team_of[self.user.name])
        elif role == "formateur":
            self.notebook_dir = os.path.join(self.hub_dir, "formateurs")
        else:
            self.notebook_dir = os.path.join(self.hub_dir, "jures", self.user.name)
        return super().start()
