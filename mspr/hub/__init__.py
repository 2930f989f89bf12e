"""JupyterHub for a cohort: configuration generated from the roster, and a trial hub on loopback.

* :mod:`mspr.hub.config`: ``jupyterhub_config.py`` from the roster (groups,
  roles and scopes, team folders, per-team exchanges, culler, limits).
* :mod:`mspr.hub.spawner`: the spawner mapping roster ids to system accounts
  and team folders.
* :mod:`mspr.hub.trial`: ``mspr hub up`` / ``down`` / ``release`` /
  ``collect`` on this machine.
"""
