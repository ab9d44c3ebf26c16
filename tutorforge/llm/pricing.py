"""The cost of a call: the run config's `[pricing]` overrides first, then the genai-prices library.

An override (`[pricing."model-name"] input = ..., output = ..., cached = ..., cache_write = ...`, USD per
million tokens) matches its model exactly or as the longest override that prefixes it. Every other model
is priced by genai-prices (https://github.com/pydantic/genai-prices), a maintained price list that knows
dated names (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) and prices that changed over time. Only
its bundled data is read: its `UpdatePrices` fetcher, the one part that goes to the network, is never
started, so pricing works offline and a run's prices depend only on the installed version.

Each priced call records its source: `override`, `genai-prices`, or `""` when no price is known (the
call then counts as $0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from tutorforge.errors import BadInput
from tutorforge.llm.base import Usage

OVERRIDE = "override"
LIBRARY = "genai-prices"


@dataclass(frozen=True)
class Price:
    """USD per million tokens. `cached` is the cache-read price; `cache_write` defaults to `input`."""

    input: float
    output: float
    cached: float
    cache_write: float | None = None

    def cost(self, usage: Usage) -> float:
        """USD for `usage` (whose input tokens include the cached and cache-written ones)."""
        write_price = self.input if self.cache_write is None else self.cache_write
        fresh = max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens)
        total = (
            fresh * self.input
            + usage.cached_tokens * self.cached
            + usage.cache_write_tokens * write_price
            + usage.output_tokens * self.output
        )
        return total / 1_000_000


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


@cache
def _library_model(model: str) -> tuple[str, str] | None:
    """(provider id, model id) genai-prices prices `model` as, or None. `provider/model` (as gateways
    spell it) is looked up under that provider."""
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    tries = [(model, None)]
    if "/" in model:
        provider, _, name = model.partition("/")
        tries.append((name, provider))
    for ref, provider_id in tries:
        try:
            provider, info = snapshot.find_provider_model(ref, None, provider_id, None)
        except LookupError:
            continue
        if info.prices:
            return provider.id, ref
    return None


def _library_cost(model: str, usage: Usage) -> float | None:
    """USD for `usage` by genai-prices: from the model's per-token rates when the call is below
    `LINEAR_BELOW` input tokens and the rates hold up to there, else computed by the library itself."""
    found = _library_model(model)
    if found is None:
        return None
    rates = _library_rates(*found)
    if rates is not None and usage.input_tokens < LINEAR_BELOW:
        return rates.cost(usage)
    return _library_exact(*found, usage)


# Calls below this many input tokens are priced from per-token rates measured once per model (the library
# computes a price in about 100 us, a tenth of a call's whole CPU); tiers that start lower are detected.
LINEAR_BELOW = 100_000


def _library_exact(provider_id: str, ref: str, usage: Usage) -> float:
    import genai_prices

    calc = genai_prices.calc_price(
        genai_prices.Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cached_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        ),
        ref,
        provider_id=provider_id,
    )
    return float(calc.total_price)


@cache
def _library_rates(provider_id: str, ref: str) -> Price | None:
    """The model's USD per million input, output, cache-read and cache-write tokens, when each is the same
    for a call of 1,000 tokens as for one just under LINEAR_BELOW (no tier starts below); else None."""
    rates = []
    for probe in (
        lambda n: Usage(input_tokens=n),
        lambda n: Usage(output_tokens=n),
        lambda n: Usage(input_tokens=n, cached_tokens=n),
        lambda n: Usage(input_tokens=n, cache_write_tokens=n),
    ):
        small, large = 1_000, LINEAR_BELOW - 1
        low = _library_exact(provider_id, ref, probe(small)) / small
        high = _library_exact(provider_id, ref, probe(large)) / large
        if abs(low - high) > 1e-12 * max(low, high, 1e-30):
            return None
        rates.append(low * 1_000_000)
    return Price(*rates)


class PriceTable:
    """Prices by model name: overrides from config, then genai-prices."""

    def __init__(
        self, overrides: Mapping[str, Mapping[str, object]] | None = None, where: str = "config"
    ) -> None:
        self.overrides: dict[str, Price] = {}
        for model, entry in (overrides or {}).items():
            if not isinstance(entry, Mapping):
                raise BadInput(f"{where}: pricing.{model}: expected a table of prices")
            self.overrides[model] = _price_from(model, entry, where)

    def override(self, model: str) -> Price | None:
        """The override for `model`: its exact entry, else the longest entry prefixing it, else None."""
        if model in self.overrides:
            return self.overrides[model]
        name = model.rsplit("/", 1)[-1]  # "openai/gpt-4o" as some gateways spell it
        matches = [key for key in self.overrides if name.startswith(key)]
        return self.overrides[max(matches, key=len)] if matches else None

    def source(self, model: str) -> str:
        """Who prices `model`: OVERRIDE, LIBRARY, or "" when nobody does."""
        if self.override(model) is not None:
            return OVERRIDE
        return LIBRARY if _library_model(model) is not None else ""

    def cost(self, model: str, usage: Usage) -> tuple[float, str] | None:
        """(USD, source) for one call, or None when the model has no price."""
        if (price := self.override(model)) is not None:
            return price.cost(usage), OVERRIDE
        usd = _library_cost(model, usage)
        return None if usd is None else (usd, LIBRARY)

    def unpriced(self, models: Iterable[str]) -> list[str]:
        """The models among `models` that have no price, sorted, each once."""
        return sorted({m for m in models if m and not self.source(m)})


def how_to_price(model: str) -> str:
    """The run-config lines that give `model` a price."""
    return f'[pricing."{model}"] input = <USD per million tokens>, output = <USD per million tokens>'


def check_prices(
    models: Iterable[str], overrides: Mapping[str, Mapping[str, object]], budget: float | None
) -> list[str]:
    """The models of a run that have no price. With a `budget` that is bad input (their calls would count
    as $0 and the budget would never stop them), naming the first and how to price it."""
    unpriced = PriceTable(overrides, where="pricing").unpriced(models)
    if unpriced and budget is not None:
        raise BadInput(
            f"--max-cost: no price is known for model {unpriced[0]!r}, so the budget cannot be kept; "
            f"price it in the run config: {how_to_price(unpriced[0])}"
        )
    return unpriced


def unpriced_warning(models: list[str]) -> str:
    """The summary line for models whose calls were counted at $0."""
    return (
        f"warning: no price is known for {', '.join(models)}: their calls count as $0 in the cost figures; "
        f"price them in the run config ({how_to_price(models[0])})"
    )
