"""Run the fake OpenAI / Anthropic server for dry runs without keys or network.

    python scripts/fake_llm_server.py --port 8001 --latency 0.2
    tutorforge generate --backend openai --model m --base-url http://127.0.0.1:8001/v1
    tutorforge generate --backend anthropic --model m --base-url http://127.0.0.1:8001

Faults: a model name containing `fault-KIND` (or `fault-KINDxN` for the first N requests) gets that
fault; `--fault-rate 429=0.05,500=0.02` injects faults at random. See tutorforge/llm/fake_server.py.
"""

from __future__ import annotations

import argparse
import asyncio

from tutorforge.llm.fake_server import FAULT_KINDS, FakeConfig, FakeLLMServer


def _rates(text: str) -> dict[str, float]:
    rates = {}
    for item in filter(None, text.split(",")):
        kind, _, rate = item.partition("=")
        if kind not in FAULT_KINDS:
            raise argparse.ArgumentTypeError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
        rates[kind] = float(rate)
    return rates


async def _serve(config: FakeConfig, host: str, port: int) -> None:
    server = FakeLLMServer(config)
    bound = await server.serve(host, port)
    url = f"http://{host}:{bound}"
    print(f"fake LLM server on {url} (OpenAI base URL {url}/v1, Anthropic base URL {url})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    parser.add_argument("--port", type=int, default=8001, help="port (0 picks a free one)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each reply")
    parser.add_argument("--teacher-turns", type=int, default=3, help="the teacher closes on this turn")
    parser.add_argument(
        "--revise-rate", type=float, default=0.1, help="share of critic replies asking to revise"
    )
    parser.add_argument("--fault-rate", type=_rates, default={}, help="random faults, e.g. 429=0.05,500=0.02")
    parser.add_argument("--retry-after", type=float, default=0.2, help="seconds announced by 429 replies")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = FakeConfig(
        latency=args.latency,
        retry_after=args.retry_after,
        teacher_turns=args.teacher_turns,
        revise_rate=args.revise_rate,
        fault_rates=args.fault_rate,
        seed=args.seed,
    )
    try:
        asyncio.run(_serve(config, args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
