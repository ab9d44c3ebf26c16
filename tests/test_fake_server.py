"""The fake LLM server itself: routes, random faults, a clean stop with requests still hanging."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tutorforge.llm.fake_server import FakeConfig, start_fake_server

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fake_llm_server.py"


def _post(url: str, body: dict, timeout: float = 5.0) -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_routes_and_response_shapes():
    with start_fake_server() as server:
        body = {"model": "m", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
        status, chat = _post(server.url + "/v1/chat/completions", body)
        assert status == 200 and chat["object"] == "chat.completion"
        assert chat["choices"][0]["finish_reason"] == "stop" and chat["usage"]["total_tokens"] > 0
        status, message = _post(server.url + "/v1/messages", body)
        assert status == 200 and message["type"] == "message" and message["stop_reason"] == "end_turn"
        assert _post(server.url + "/v1/nothing", body)[0] == 404
        assert server.log.counts == {"/v1/chat/completions": 1, "/v1/messages": 1}


def test_random_fault_rates():
    with start_fake_server(FakeConfig(fault_rates={"503": 1.0})) as server:
        status, error = _post(server.url + "/v1/messages", {"model": "m", "messages": []})
        assert status == 503 and error["type"] == "error"


def test_stop_ends_hanging_requests():
    server = start_fake_server(FakeConfig(hang=60.0))
    body = {"model": "fault-timeout", "messages": [{"role": "user", "content": "hi"}]}
    caller = threading.Thread(
        target=lambda: _safe_post(server.url + "/v1/chat/completions", body), daemon=True
    )
    caller.start()
    while not server.log.entries:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    caller.join(5)
    assert not caller.is_alive() and time.monotonic() - started < 5


def _safe_post(url: str, body: dict) -> None:
    try:
        _post(url, body, timeout=30)
    except OSError:
        pass


def test_script_rejects_unknown_fault():
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--port", "0", "--fault-rate", "418=0.5"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "unknown fault '418'" in run.stderr
