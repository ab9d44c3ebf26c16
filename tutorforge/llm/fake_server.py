"""A fake OpenAI / Anthropic HTTP server on 127.0.0.1, for tests and dry runs without keys or network.

It speaks `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic) with full response
shapes, waits a configurable latency, and injects faults chosen per request:

- by model name: a model containing `fault-KIND` always gets that fault; `fault-KINDxN` gets it on its
  first N requests only (e.g. `tutor-fault-429x2`: two 429s, then normal replies);
- at random: `fault_rates={"429": 0.05, ...}` (the `--fault-rate` option of the script).

Fault kinds: 429 (with `retry-after` / `retry-after-ms`), 401 (echoes the key it was sent, as some
servers do), 500, 502, 503, 529, timeout (hangs), malformed (truncated JSON), empty, leak (the reply goes
on to speak for the other role), length (cut off at the token limit), refusal. With `hostile` and
`hostile_every` set, every `hostile_every`-th student reply is the next hostile text, sent whole.

Replies are plausible tutoring text chosen from the role named in the system prompt ("Your role: teacher",
"student" or "critic"): the teacher returns its plan and message as JSON (a move, a target, a message that
asks questions, restates the first reference step, is rephrased when asked to write a turn again, and
closes with `[END]` after a few turns), the student attempts, the critic returns MRBench-style JSON
("Not applicable" for the mistake dimensions when the verifier found nothing in the student's turn).

Structured outputs as the real APIs have them: an OpenAI `response_format` of type `json_schema` gets the
JSON as the message content; Anthropic `tools` with a forced `tool_choice` get a `tool_use` block whose
`input` is the object (`stop_reason: tool_use`). Behaviours by model name: `plain-json` ignores both and
writes the JSON as text inside a sentence and a code fence (a server without structured outputs);
`no-structured` answers a request asking for structured output with a 400 naming `response_format`;
`critic-reveals` / `critic-misses` make the critic accept a draft it scores as revealing the answer / as
not identifying the student's mistake.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field

FAULT_KINDS = (
    "429",
    "401",
    "500",
    "502",
    "503",
    "529",
    "timeout",
    "malformed",
    "empty",
    "leak",
    "length",
    "refusal",
)
_MODEL_FAULT = re.compile(r"fault-(" + "|".join(FAULT_KINDS) + r")(?:x(\d+))?")
_ROLE = re.compile(r"Your role: (teacher|student|critic)")
_STEP_LINE = re.compile(r"^\d+\. (.{1,200}=.{1,200})$", re.M)
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
_REASONS |= {502: "Bad Gateway", 503: "Service Unavailable", 529: "Overloaded"}

TEACHER_LINES = (  # (message, move)
    ("Let's start by reading the problem together. What quantities does it give us?", "probing"),
    ("Good. Which operation connects those quantities, and why?", "focus"),
    ("Can you explain how you got that value, step by step?", "probing"),
    ("What would be a good way to check that result?", "probing"),
    ("You're close. Look again at the last step: what changes if you redo it carefully?", "focus"),
)
STUDENT_LINES = (
    "I think I should start by writing down what we know from the problem.",
    "Maybe I need to combine the two amounts first? I'm not completely sure.",
    "I worked through it again and I think I see how the steps fit together now.",
    "I checked it a second way and got the same thing, so I think my work is right.",
)
STUDENT_ATTEMPT = "I added the two amounts in the problem and then took away the rest. My final answer is 12."
CLOSING_LINE = "That's right, well done! You worked through every step carefully. [END]"
REFUSAL = "I'm sorry, but I can't help with that request."


@dataclass
class FakeConfig:
    latency: float = 0.0  # seconds before each reply
    hang: float = 60.0  # how long a `timeout` fault hangs
    retry_after: float = 0.2  # seconds announced by 429 replies
    teacher_turns: int = 3  # the teacher closes with [END] on this turn
    revise_rate: float = 0.0  # share of critic replies that ask for a revision
    fault_rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    # every `hostile_every`-th student reply is the next of these texts instead (scripts/bench_hostile.py)
    hostile: tuple[str, ...] = ()
    hostile_every: int = 0


@dataclass
class RequestLog:
    """What the server saw: counts, the credentials it was sent, the latest requests' time, model and
    fault, and the latest system prompts (both bounded, so a long dry run does not grow without end)."""

    counts: Counter = field(default_factory=Counter)  # path -> requests
    by_model: Counter = field(default_factory=Counter)  # model -> requests
    credentials: set[str] = field(default_factory=set)  # Authorization and x-api-key header values
    entries: deque[tuple[float, str, str]] = field(default_factory=lambda: deque(maxlen=100_000))
    systems: deque[str] = field(default_factory=lambda: deque(maxlen=1000))
    params: deque[dict] = field(default_factory=lambda: deque(maxlen=1000))  # request parameters
    # (model, role, system, [(role, text), ...]): the latest prompts as the model saw them
    prompts: deque[tuple[str, str, str, list[tuple[str, str]]]] = field(
        default_factory=lambda: deque(maxlen=1000)
    )


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _texts(content: object) -> str:
    """The text of a message `content` (a string or a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


class FakeLLMServer:
    """The server's behaviour; `serve` binds it to a port on 127.0.0.1."""

    def __init__(self, config: FakeConfig | None = None) -> None:
        self.config = config or FakeConfig()
        self.log = RequestLog()
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)
        self._seen_systems: set[str] = set()
        self._students = 0  # student replies so far (for `hostile_every`)
        self._tasks: set[asyncio.Task] = set()
        self._server: asyncio.Server | None = None

    # -- the network side -------------------------------------------------------------------------

    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start listening; return the bound port."""
        self._server = await asyncio.start_server(self._connection, host, port, backlog=2048, limit=2**22)
        return self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and drop open connections (hanging requests included)."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                path, headers, body = request
                status, extra, payload = await self._respond(path, headers, body)
                head = [
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
                    "Content-Type: application/json",
                ]
                head += [f"{k}: {v}" for k, v in extra.items()]
                head.append(f"Content-Length: {len(payload)}")
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    # -- the API side -----------------------------------------------------------------------------

    async def _respond(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        flavour = {"/v1/chat/completions": "openai", "/v1/messages": "anthropic"}.get(path.split("?")[0])
        if flavour is None:
            return (
                404,
                {},
                json.dumps({"error": {"message": f"no route {path}", "type": "not_found"}}).encode(),
            )
        try:
            req = json.loads(body)
        except ValueError:
            return 400, {}, _error(flavour, "invalid_request_error", "body is not JSON")
        model = str(req.get("model", ""))
        credential = headers.get("authorization") or headers.get("x-api-key") or ""
        fault = self._pick_fault(model)
        with self._lock:
            self.log.counts[path] += 1
            self.log.by_model[model] += 1
            self.log.credentials.update(v for k in ("authorization", "x-api-key") if (v := headers.get(k)))
            self.log.entries.append((time.monotonic(), model, fault))
            self.log.params.append({k: v for k, v in req.items() if k not in ("messages", "system")})
        if fault == "timeout":
            await asyncio.sleep(self.config.hang)
        elif self.config.latency:
            await asyncio.sleep(self.config.latency)
        if fault in ("429", "500", "502", "503", "529", "401"):
            return _fault_reply(flavour, fault, self.config.retry_after, credential)
        if fault == "malformed":
            return 200, {}, b'{"id": "broken", "choices": [{"message": {"content": "Let us'
        if "no-structured" in model and ("response_format" in req or "tools" in req):
            message = "response_format and tools are not supported by this model"
            return 400, {}, _error(flavour, "invalid_request_error", message)
        system, turns = _conversation(flavour, req)
        role_match = _ROLE.search(system)
        role = role_match.group(1) if role_match else "student"
        with self._lock:
            self.log.systems.append(system)
            self.log.prompts.append((model, role, system, turns))
        text = self._text(role, system, turns, fault, model)
        tool = _tool_name(flavour, req) if "plain-json" not in model else ""
        if "plain-json" in model and text.startswith("{"):
            text = f"Here is my reply:\n```json\n{text}\n```"
        max_tokens = int(req.get("max_completion_tokens") or req.get("max_tokens") or 1024)
        finish = "refusal" if fault == "refusal" else "stop"
        words = text.split(" ") if text not in self.config.hostile else [text]  # hostile text goes out whole
        if fault == "length" or len(words) > max_tokens:
            text, finish = " ".join(words[: max(1, min(max_tokens, len(words) // 2))]), "length"
        cached = self._cached_tokens(flavour, req, system)
        usage = (_tokens(system) + sum(_tokens(t) for _, t in turns), _tokens(text) if text else 0, cached)
        return 200, {}, _success(flavour, model, text, finish, usage, tool)

    def _pick_fault(self, model: str) -> str:
        with self._lock:
            match = _MODEL_FAULT.search(model)
            if match:
                limit = match.group(2)
                if limit is None or self.log.by_model[model] < int(limit):
                    return match.group(1)
                return ""
            for kind, rate in self.config.fault_rates.items():
                if self._rng.random() < rate:
                    return kind
        return ""

    def _cached_tokens(self, flavour: str, req: dict, system: str) -> int:
        """Anthropic prompt caching: a system block marked `cache_control` is a cache read once seen."""
        blocks = req.get("system")
        if flavour != "anthropic" or not isinstance(blocks, list):
            return 0
        if not any(isinstance(b, dict) and b.get("cache_control") for b in blocks):
            return 0
        with self._lock:
            seen = system in self._seen_systems
            self._seen_systems.add(system)
        return _tokens(system) if seen else 0

    def _text(self, role: str, system: str, turns: list[tuple[str, str]], fault: str, model: str) -> str:
        if fault == "empty":
            return ""
        if fault == "refusal":
            return REFUSAL
        own = sum(1 for r, _ in turns if r == "assistant")
        if role == "critic":
            with self._lock:
                revise = self._rng.random() < self.config.revise_rate
            return json.dumps(_critic_json(revise, turns[-1][1] if turns else "", model))
        if role == "teacher":
            revising = bool(turns) and "write the turn again" in turns[-1][1].lower()
            own -= revising  # the rejected draft is the teacher's own last message
            text, move = TEACHER_LINES[own % len(TEACHER_LINES)]
            step = _STEP_LINE.search(system.partition("Reference solution:")[2])
            if own + 1 >= self.config.teacher_turns:
                text, move = CLOSING_LINE, "generic"
            elif own and step:
                text, move = f"We know this much: {step.group(1).strip()} {text}", "telling"
            if revising:
                text = "Let me put that another way. " + text
        elif turns and not own and "worked solution" in turns[-1][1]:  # the student's own attempt first
            text = STUDENT_ATTEMPT
        else:
            text = STUDENT_LINES[own % len(STUDENT_LINES)]
            if self.config.hostile and self.config.hostile_every:
                with self._lock:
                    self._students += 1
                    k, due = divmod(self._students, self.config.hostile_every)
                if due == 0:
                    text = self.config.hostile[(k - 1) % len(self.config.hostile)]
        if fault == "leak":
            other = "Student" if role == "teacher" else "Teacher"
            text += f"\n{other}: I think the answer is 7.\n{role.title()}: Let's see."
        if role == "teacher" and "Reply with one JSON object" in system:
            return json.dumps({"move": move, "target": "", "message": text})
        return text


def _critic_json(revise: bool, case: str, model: str) -> dict:
    """A critic's reply; the mistake dimensions are "Not applicable" when the case says the verifier found
    nothing in the student's last turn."""
    clean = "student's last turn:\n(none found)" in case
    return {
        "mistake_identification": "Not applicable"
        if clean
        else ("No" if "critic-misses" in model else "Yes"),
        "mistake_location": "Not applicable" if clean else "To some extent",
        "revealing_of_the_answer": "Yes (and the revealed answer is correct)"
        if "critic-reveals" in model
        else "No",
        "providing_guidance": "Yes",
        "actionability": "Yes",
        "coherence": "Yes",
        "tutor_tone": "Encouraging",
        "humanlikeness": "Yes",
        "verdict": "revise" if revise else "accept",
        "feedback": "Ask a guiding question instead of stating the step." if revise else "",
    }


def _conversation(flavour: str, req: dict) -> tuple[str, list[tuple[str, str]]]:
    """The system text and the (role, text) turns of a request."""
    messages = req.get("messages") or []
    turns = [(str(m.get("role")), _texts(m.get("content"))) for m in messages if isinstance(m, dict)]
    if flavour == "anthropic":
        return _texts(req.get("system")), turns
    system = "\n".join(t for r, t in turns if r in ("system", "developer"))
    return system, [(r, t) for r, t in turns if r not in ("system", "developer")]


def _tool_name(flavour: str, req: dict) -> str:
    """The tool an Anthropic request forces (structured output), else ""."""
    choice = req.get("tool_choice")
    if flavour == "anthropic" and isinstance(choice, dict) and choice.get("type") == "tool":
        return str(choice.get("name") or "")
    return ""


def _success(
    flavour: str, model: str, text: str, finish: str, usage: tuple[int, int, int], tool: str = ""
) -> bytes:
    prompt, completion, cached = usage
    if flavour == "openai":
        refusal = finish == "refusal"
        body = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": None if refusal else text,
                        "refusal": text if refusal else None,
                    },
                    "logprobs": None,
                    "finish_reason": "stop" if refusal else finish,
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        }
    else:
        stop = {"stop": "end_turn", "length": "max_tokens", "refusal": "refusal"}[finish]
        content = [{"type": "text", "text": text}] if text else []
        if tool and finish == "stop" and text.startswith("{"):
            content = [{"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:24]}", "name": tool}]
            content[0]["input"] = json.loads(text)
            stop = "tool_use"
        body = {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": prompt - cached,
                "output_tokens": completion,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": cached,
            },
        }
    return json.dumps(body).encode()


def _error(flavour: str, kind: str, message: str) -> bytes:
    if flavour == "openai":
        return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": kind}}).encode()
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()


def _fault_reply(flavour: str, fault: str, retry_after: float, credential: str) -> tuple[int, dict, bytes]:
    status = int(fault)
    if status == 429:
        headers = {
            "retry-after": str(max(1, round(retry_after))),
            "retry-after-ms": str(int(retry_after * 1000)),
        }
        return 429, headers, _error(flavour, "rate_limit_error", "Rate limit reached, slow down.")
    if status == 401:
        shown = credential.removeprefix("Bearer ").strip()
        return 401, {}, _error(flavour, "authentication_error", f"Incorrect API key provided: {shown}.")
    kind = "overloaded_error" if status == 529 else "api_error"
    return status, {}, _error(flavour, kind, f"The server had an error ({status}).")


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes] | None:
    """One HTTP/1.1 request: (path, lower-cased headers, body), or None when the client closed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readline()).strip() or b"0", 16):
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return parts[1], headers, body


class RunningServer:
    """A fake server running in a background thread: `url`, `log`, and `stop()`."""

    def __init__(self, config: FakeConfig | None = None, port: int = 0) -> None:
        self.server = FakeLLMServer(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-llm-server", daemon=True)
        self._thread.start()
        bound = asyncio.run_coroutine_threadsafe(self.server.serve(port=port), self._loop).result(10)
        self.url = f"http://127.0.0.1:{bound}"

    @property
    def log(self) -> RequestLog:
        return self.server.log

    def stop(self) -> None:
        """Close the server and its thread."""
        asyncio.run_coroutine_threadsafe(self.server.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_fake_server(config: FakeConfig | None = None, port: int = 0) -> RunningServer:
    """Start the fake server on 127.0.0.1 in a background thread; `.url` is its address, `.stop()` ends it."""
    return RunningServer(config, port)
