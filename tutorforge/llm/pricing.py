"""Model prices (USD per million tokens) and the cost of a call.

The table holds list prices for common OpenAI and Anthropic models; a run config can override or extend
it (`[pricing."model-name"] input = ..., output = ..., cached = ...`). A model name matches its entry
exactly or by the longest entry that prefixes it, so dated names (`gpt-4o-2024-08-06`,
`claude-sonnet-4-5-20250929`) find their family's price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tutorforge.errors import BadInput
from tutorforge.llm.base import Usage


@dataclass(frozen=True)
class Price:
    """USD per million tokens. `cached` is the cache-read price; `cache_write` defaults to `input`."""

    input: float
    output: float
    cached: float
    cache_write: float | None = None


def _anthropic(input_: float, output: float) -> Price:
    """Anthropic prices cache reads at 0.1x and 5-minute cache writes at 1.25x the input price."""
    return Price(input_, output, round(input_ * 0.1, 6), round(input_ * 1.25, 6))


DEFAULT_PRICES: dict[str, Price] = {
    # OpenAI
    "gpt-5": Price(1.25, 10.00, 0.125),
    "gpt-5-mini": Price(0.25, 2.00, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
    "gpt-4.1": Price(2.00, 8.00, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-4o": Price(2.50, 10.00, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "o3": Price(2.00, 8.00, 0.50),
    "o3-mini": Price(1.10, 4.40, 0.55),
    "o4-mini": Price(1.10, 4.40, 0.275),
    # Anthropic
    "claude-opus-4-5": _anthropic(5.00, 25.00),
    "claude-opus-4-1": _anthropic(15.00, 75.00),
    "claude-opus-4": _anthropic(15.00, 75.00),
    "claude-sonnet-4-5": _anthropic(3.00, 15.00),
    "claude-sonnet-4": _anthropic(3.00, 15.00),
    "claude-3-7-sonnet": _anthropic(3.00, 15.00),
    "claude-haiku-4-5": _anthropic(1.00, 5.00),
    "claude-3-5-haiku": _anthropic(0.80, 4.00),
    "claude-3-haiku": _anthropic(0.25, 1.25),
}

_FIELDS = ("input", "output", "cached", "cache_write")


def _price_from(model: str, entry: Mapping[str, object], where: str) -> Price:
    unknown = set(entry) - set(_FIELDS)
    if unknown:
        raise BadInput(
            f"{where}: pricing.{model}: unknown field {sorted(unknown)[0]!r} (use {', '.join(_FIELDS)})"
        )
    values: dict[str, float] = {}
    for name in _FIELDS:
        if name not in entry:
            continue
        value = entry[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise BadInput(f"{where}: pricing.{model}.{name}: expected a non-negative number, got {value!r}")
        values[name] = float(value)
    for name in ("input", "output"):
        if name not in values:
            raise BadInput(f"{where}: pricing.{model}: missing field {name!r}")
    return Price(
        values["input"], values["output"], values.get("cached", values["input"]), values.get("cache_write")
    )


class PriceTable:
    """Prices by model name, with overrides from config."""

    def __init__(
        self, overrides: Mapping[str, Mapping[str, object]] | None = None, where: str = "config"
    ) -> None:
        self.prices = dict(DEFAULT_PRICES)
        for model, entry in (overrides or {}).items():
            if not isinstance(entry, Mapping):
                raise BadInput(f"{where}: pricing.{model}: expected a table of prices")
            self.prices[model] = _price_from(model, entry, where)

    def price(self, model: str) -> Price | None:
        """The price of `model`: its exact entry, else the longest entry prefixing it, else None."""
        if model in self.prices:
            return self.prices[model]
        name = model.rsplit("/", 1)[-1]  # "openai/gpt-4o" as some gateways spell it
        matches = [key for key in self.prices if name.startswith(key)]
        return self.prices[max(matches, key=len)] if matches else None

    def cost(self, model: str, usage: Usage) -> float | None:
        """USD for one call, or None when the model has no price."""
        price = self.price(model)
        if price is None:
            return None
        write_price = price.input if price.cache_write is None else price.cache_write
        fresh = max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens)
        total = (
            fresh * price.input
            + usage.cached_tokens * price.cached
            + usage.cache_write_tokens * write_price
            + usage.output_tokens * price.output
        )
        return total / 1_000_000
