"""Prices per model and the cost of a call."""

from __future__ import annotations

import pytest

from tutorforge.errors import BadInput
from tutorforge.llm.base import Usage
from tutorforge.llm.pricing import DEFAULT_PRICES, PriceTable


def test_dated_and_prefixed_names_find_their_family():
    table = PriceTable()
    assert table.price("gpt-4o-2024-08-06") == DEFAULT_PRICES["gpt-4o"]
    assert table.price("gpt-4o-mini-2024-07-18") == DEFAULT_PRICES["gpt-4o-mini"]
    assert table.price("claude-sonnet-4-5-20250929") == DEFAULT_PRICES["claude-sonnet-4-5"]
    assert table.price("openai/gpt-4.1-mini") == DEFAULT_PRICES["gpt-4.1-mini"]
    assert table.price("llama3.1:8b") is None


def test_cost_prices_fresh_cached_written_and_output_tokens():
    table = PriceTable({"m": {"input": 3.0, "output": 15.0, "cached": 0.3, "cache_write": 3.75}})
    usage = Usage(
        input_tokens=1_000_000, output_tokens=100_000, cached_tokens=400_000, cache_write_tokens=100_000
    )
    expected = 500_000 * 3.0 / 1e6 + 400_000 * 0.3 / 1e6 + 100_000 * 3.75 / 1e6 + 100_000 * 15.0 / 1e6
    assert table.cost("m", usage) == pytest.approx(expected)
    assert table.cost("unknown-model", usage) is None


def test_overrides_replace_defaults_and_cached_defaults_to_input():
    table = PriceTable({"gpt-4o": {"input": 1.0, "output": 2.0}})
    price = table.price("gpt-4o-2024-08-06")
    assert (price.input, price.output, price.cached) == (1.0, 2.0, 1.0)


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
