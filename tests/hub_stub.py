"""A stub of the Hugging Face Hub's HTTP API on 127.0.0.1, for `publish` tests through `HF_ENDPOINT`.

It answers what `HfApi.create_repo` and `HfApi.upload_folder` ask: `POST /api/repos/create`,
`/api/validate-yaml`, `/api/datasets/OWNER/NAME/preupload/REV` (every file a regular upload) and
`/api/datasets/OWNER/NAME/commit/REV` (NDJSON, files inline as base64). It keeps the repositories it
created and the files committed to them, refuses any token but its own with 401, and records every
request so a test can check nothing else was asked.
"""

from __future__ import annotations

import base64
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Hub:
    token: str
    url: str = ""
    repos: dict[str, dict] = field(default_factory=dict)  # "OWNER/NAME" -> create payload
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)  # repo -> path -> content
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    authorizations: list[str] = field(default_factory=list)


def _handler(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            path = self.path.split("?", 1)[0]
            hub.requests.append(("POST", path))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            auth = self.headers.get("Authorization", "")
            hub.authorizations.append(auth)
            if auth != f"Bearer {hub.token}":
                self.send_response(401)
                self.send_header("X-Error-Message", "Invalid credentials in Authorization header")
                data = b'{"error": "Invalid credentials in Authorization header"}'
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if path == "/api/repos/create":
                payload = json.loads(body)
                repo = f"{payload['organization']}/{payload['name']}"
                if repo in hub.repos:
                    return self._reply(409, {"error": "You already created this dataset repo", "url": ""})
                hub.repos[repo] = payload
                hub.files[repo] = {}
                return self._reply(200, {"url": f"{hub.url}/datasets/{repo}"})
            if path == "/api/validate-yaml":
                return self._reply(200, {"errors": [], "warnings": []})
            parts = path.split("/")  # ['', 'api', 'datasets', OWNER, NAME, action, REV]
            if len(parts) == 7 and parts[:3] == ["", "api", "datasets"]:
                repo = f"{parts[3]}/{parts[4]}"
                if repo not in hub.repos:
                    return self._reply(404, {"error": "Repository not found"})
                if parts[5] == "preupload":
                    files = json.loads(body)["files"]
                    modes = [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files
                    ]
                    return self._reply(200, {"files": modes})
                if parts[5] == "commit":
                    for line in body.splitlines():
                        item = json.loads(line)
                        if item["key"] == "file":
                            value = item["value"]
                            hub.files[repo][value["path"]] = base64.b64decode(value["content"])
                    return self._reply(
                        200,
                        {
                            "commitUrl": f"{hub.url}/datasets/{repo}/commit/{'0' * 40}",
                            "commitOid": "0" * 40,
                            "pullRequestUrl": None,
                        },
                    )
            self._reply(404, {"error": f"the stub does not serve {path}"})

        def do_GET(self) -> None:  # noqa: N802
            hub.requests.append(("GET", self.path.split("?", 1)[0]))
            self._reply(404, {"error": "the stub serves no GET"})

    return Handler


@contextmanager
def running_hub(token: str):
    """A stub Hub on a free port of 127.0.0.1 that accepts `token`; yields its `Hub` record."""
    hub = Hub(token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
