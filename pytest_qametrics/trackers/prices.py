"""Token prices (``qametrics_token_prices``): USD per million tokens per model, numpy-free."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["TokenPrice", "parse_token_prices"]

_PRICE_LINE = re.compile(
    r"^(?P<model>\S+)\s+input\s*=\s*(?P<input>[0-9.eE+-]+)\s+output\s*=\s*(?P<output>[0-9.eE+-]+)$"
)


@dataclass(frozen=True, slots=True)
class TokenPrice:
    """USD per million input and output tokens of one model."""

    input_per_million: float
    output_per_million: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """The USD cost of one call."""
        return (
            input_tokens * self.input_per_million + output_tokens * self.output_per_million
        ) / 1e6


def parse_token_prices(lines: list[str]) -> dict[str, TokenPrice]:
    """Parse ``qametrics_token_prices`` lines such as ``gpt-4o input=2.50 output=10.00``."""
    prices: dict[str, TokenPrice] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        match = _PRICE_LINE.match(text)
        values = [float(match["input"]), float(match["output"])] if match else []
        if match is None or not all(math.isfinite(v) and v >= 0 for v in values):
            raise ValueError(
                f"qametrics_token_prices line {number} {text!r}: expected "
                f"'MODEL input=USD_PER_MILLION output=USD_PER_MILLION', e.g. "
                f"'gpt-4o input=2.50 output=10.00', with prices >= 0"
            )
        prices[match["model"]] = TokenPrice(*values)
    return prices
