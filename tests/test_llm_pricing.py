"""Prices per model and the cost of a call: config overrides first, then genai-prices' bundled data."""

from __future__ import annotations

import pytest

from tutorforge.errors import BadInput
from tutorforge.llm.base import Usage
from tutorforge.llm.pricing import LIBRARY, OVERRIDE, PriceTable

USAGE = Usage(
    input_tokens=1_000_000, output_tokens=100_000, cached_tokens=400_000, cache_write_tokens=100_000
)


def test_dated_and_prefixed_names_are_priced_by_the_library():
    table = PriceTable()
    for model in ("gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929", "openai/gpt-4.1-mini", "gpt-5-mini"):
        assert table.source(model) == LIBRARY, model
    assert table.cost("gpt-4o-2024-08-06", USAGE) == table.cost("gpt-4o", USAGE)
    assert table.cost("openai/gpt-4.1-mini", USAGE) == table.cost("gpt-4.1-mini", USAGE)
    # a bigger model costs more for the same tokens: the library's figures, not a flat or zero price
    assert table.cost("gpt-4.1", USAGE)[0] > table.cost("gpt-4.1-mini", USAGE)[0] > 0


def test_unknown_models_have_no_price_and_no_source():
    table = PriceTable()
    for model in ("llama3.1:8b", "tf-fast", "Qwen/Qwen2.5-7B-Instruct-local"):
        assert table.source(model) == ""
        assert table.cost(model, USAGE) is None
    assert table.unpriced(["gpt-4.1-mini", "tf-fast", "", "tf-fast"]) == ["tf-fast"]


def test_the_library_reads_its_bundled_data_only():
    import genai_prices
    from genai_prices import data_snapshot

    PriceTable().cost("gpt-4.1-mini", USAGE)
    snapshot = data_snapshot.get_snapshot()
    assert snapshot.from_auto_update is False  # no fetched price list is in use
    calc = genai_prices.calc_price(genai_prices.Usage(input_tokens=10, output_tokens=1), "gpt-4.1-mini")
    assert calc.auto_update_timestamp is None


def test_cost_prices_fresh_cached_written_and_output_tokens():
    table = PriceTable({"m": {"input": 3.0, "output": 15.0, "cached": 0.3, "cache_write": 3.75}})
    expected = 500_000 * 3.0 / 1e6 + 400_000 * 0.3 / 1e6 + 100_000 * 3.75 / 1e6 + 100_000 * 15.0 / 1e6
    cost, source = table.cost("m", USAGE)
    assert cost == pytest.approx(expected) and source == OVERRIDE


def test_the_library_counts_cached_tokens_at_the_cache_price():
    # claude-haiku-4-5: $1 input, $0.10 cache read, $1.25 cache write, $5 output per million tokens
    cost, _ = PriceTable().cost("claude-haiku-4-5", USAGE)
    assert cost == pytest.approx(0.5 * 1 + 0.4 * 0.1 + 0.1 * 1.25 + 0.1 * 5)


def test_overrides_win_over_the_library_and_cached_defaults_to_input():
    table = PriceTable({"gpt-4o": {"input": 1.0, "output": 2.0}})
    assert table.source("gpt-4o-2024-08-06") == OVERRIDE
    price = table.override("gpt-4o-2024-08-06")
    assert (price.input, price.output, price.cached) == (1.0, 2.0, 1.0)
    assert table.cost("gpt-4o", Usage(input_tokens=1_000_000)) == (1.0, OVERRIDE)
    assert table.source("gpt-4.1") == LIBRARY


@pytest.mark.parametrize(
    "entry, field",
    [
        ({"input": 1.0}, "output"),
        ({"input": -1, "output": 1}, "input"),
        ({"input": 1, "output": 1, "x": 1}, "x"),
    ],
)
def test_bad_overrides_name_the_field(entry, field):
    with pytest.raises(BadInput, match=rf"run\.toml: pricing\.m.*{field}"):
        PriceTable({"m": entry}, where="run.toml")


@pytest.mark.parametrize("model", ["gpt-4.1-mini", "gpt-4o", "claude-sonnet-4-5", "claude-haiku-4-5"])
def test_per_token_rates_match_the_library(model):
    import genai_prices

    table = PriceTable()
    for usage in (
        Usage(input_tokens=1500, output_tokens=300, cached_tokens=200),
        Usage(input_tokens=90_000, output_tokens=3000, cached_tokens=20_000, cache_write_tokens=1000),
        Usage(input_tokens=250_000, output_tokens=10),  # past a long-context tier where there is one
    ):
        exact = genai_prices.calc_price(
            genai_prices.Usage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cached_tokens,
                cache_write_tokens=usage.cache_write_tokens,
            ),
            model,
        )
        assert table.cost(model, usage)[0] == pytest.approx(float(exact.total_price), rel=1e-9)
    # claude-sonnet-4-5 doubles its input price past 200k tokens: the tier is the library's, not ours
    if model == "claude-sonnet-4-5":
        assert table.cost(model, Usage(input_tokens=250_000))[0] == pytest.approx(250_000 * 6 / 1e6)
