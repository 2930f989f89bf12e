"""Locust scenario of :func:`mspr.loadtest.run_load_test` (run by ``locust --headless -f``, not imported).

Configured through environment variables set by :func:`mspr.loadtest.run_load_test`:

- ``MSPR_LOAD_BODIES``: JSON file, a list of request bodies (``dataframe_split``) sent in turn;
- ``MSPR_LOAD_OUT``: CSV file receiving one line per request (the tidy table);
- ``MSPR_LOAD_STAGES``: JSON list of ``[phase, seconds, requests per second]``.

Each simulated user sends one request per second (``constant_throughput(1)``),
so the number of users sets the request rate of each stage.
"""

import csv
import itertools
import json
import os
import time

from locust import FastHttpUser, LoadTestShape, constant_throughput, events, task

_BODIES = json.loads(open(os.environ["MSPR_LOAD_BODIES"], encoding="utf-8").read())
_STAGES = json.loads(os.environ["MSPR_LOAD_STAGES"])
_NEXT = itertools.cycle(range(len(_BODIES)))
_OUT = open(os.environ["MSPR_LOAD_OUT"], "w", encoding="utf-8", newline="")
_WRITER = csv.writer(_OUT, lineterminator="\n")
_WRITER.writerow(["debut_s", "phase", "taille_lot", "latence_ms", "statut", "erreur"])
_START = time.time()


def _phase(elapsed: float) -> str:
    end = 0.0
    for name, seconds, _ in _STAGES:
        end += seconds
        if elapsed < end:
            return name
    return _STAGES[-1][0]


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, context=None, exception=None,
            start_time=None, **kw):
    started = (start_time or time.time()) - _START
    status = getattr(response, "status_code", 0) or 0
    _WRITER.writerow([f"{started:.4f}", _phase(started), (context or {}).get("rows", ""),
                      f"{response_time:.3f}", status, "" if exception is None else type(exception).__name__])


@events.quitting.add_listener
def _close(environment, **kw):
    _OUT.flush()
    _OUT.close()


class ModelUser(FastHttpUser):
    wait_time = constant_throughput(1)

    @task
    def invoke(self):
        body = _BODIES[next(_NEXT)]
        with self.client.post("/invocations", data=body["json"], headers={"Content-Type": "application/json"},
                              context={"rows": body["rows"]}, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Stages(LoadTestShape):
    def tick(self):
        elapsed = self.get_run_time()
        end = 0.0
        for _, seconds, rate in _STAGES:
            end += seconds
            if elapsed < end:
                users = max(1, round(rate))
                return users, users
        return None
