"""A small client of JupyterHub and Jupyter server REST APIs, as a candidate's browser would use them."""

from __future__ import annotations

import json
import time
import uuid

import requests


class Hub:
    """Talk to a JupyterHub at ``url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, url: str):
        self.url = url

    def login(self, user: str, password: str) -> str:
        """Get an API token for ``user`` with its password (JupyterHub's token request with credentials)."""
        r = requests.post(f"{self.url}/hub/api/users/{user}/tokens",
                          json={"auth": {"username": user, "password": password}, "note": "test", "expires_in": 600},
                          timeout=30)
        r.raise_for_status()
        return r.json()["token"]

    def api(self, token: str, path: str, method: str = "GET", **kw):
        return requests.request(method, f"{self.url}/hub/api{path}", headers={"Authorization": f"token {token}"},
                                timeout=60, **kw)

    def start(self, user: str, token: str, timeout_s: float = 240, wait: bool = True) -> None:
        r = self.api(token, f"/users/{user}/server", "POST")
        assert r.status_code in (201, 202), (r.status_code, r.text)
        if wait:
            self.wait_ready(user, token, timeout_s)

    def wait_ready(self, user: str, token: str, timeout_s: float = 240) -> None:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            model = self.api(token, f"/users/{user}").json()
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"server of {user} not ready")


class Server:
    """A user's Jupyter server behind the hub's proxy."""

    def __init__(self, hub: Hub, user: str, token: str):
        self.base = f"{hub.url}/user/{user}"
        self.user = user
        self.headers = {"Authorization": f"token {token}"}

    def get(self, path: str, **kw):
        return requests.get(f"{self.base}{path}", headers=self.headers, timeout=60, allow_redirects=False, **kw)

    def post(self, path: str, **kw):
        return requests.post(f"{self.base}{path}", headers=self.headers, timeout=300, allow_redirects=False, **kw)

    def put(self, path: str, **kw):
        return requests.put(f"{self.base}{path}", headers=self.headers, timeout=60, allow_redirects=False, **kw)

    def start_kernel(self, path: str) -> str:
        r = self.post("/api/sessions", json={"path": path, "type": "notebook", "name": path.rsplit("/", 1)[-1],
                                              "kernel": {"name": "python3"}})
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()["kernel"]["id"]

    def execute(self, kernel_id: str, codes: list[str], timeout_s: float = 300) -> list[list[dict]]:
        """Execute each code in the kernel; return the outputs (nbformat dicts) of each."""
        import websocket

        url = self.base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        conn = websocket.create_connection(url, header=[f"Authorization: {self.headers['Authorization']}"],
                                           timeout=timeout_s)
        session = uuid.uuid4().hex
        results = []
        try:
            for code in codes:
                msg_id = uuid.uuid4().hex
                conn.send(json.dumps({
                    "header": {"msg_id": msg_id, "username": self.user, "session": session,
                               "msg_type": "execute_request", "version": "5.3"},
                    "parent_header": {}, "metadata": {}, "channel": "shell",
                    "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                                "allow_stdin": False, "stop_on_error": False}}))
                outputs = []
                while True:
                    msg = json.loads(conn.recv())
                    if msg.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    kind, content = msg["msg_type"], msg["content"]
                    if kind == "stream":
                        outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
                    elif kind == "error":
                        outputs.append({"output_type": "error", "ename": content["ename"],
                                        "evalue": content["evalue"], "traceback": content["traceback"]})
                    elif kind in ("execute_result", "display_data"):
                        out = {"output_type": kind, "data": content["data"], "metadata": content.get("metadata", {})}
                        if kind == "execute_result":
                            out["execution_count"] = content.get("execution_count")
                        outputs.append(out)
                    elif kind == "status" and content["execution_state"] == "idle":
                        break
                results.append(outputs)
        finally:
            conn.close()
        return results
