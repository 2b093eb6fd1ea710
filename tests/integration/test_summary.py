"""The terminal summary explains every SLO, also in ``-q`` mode, and ends with a one-line total."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section


@pytest.mark.parametrize(
    ("checkout_limit", "checkout_label", "checkout_budget", "total"),
    [
        pytest.param(
            "0.2",
            "FAIL",
            ["         budget: 1 slow call, 0 allowed"],
            "qametrics: 1 of 2 SLOs failed",
            id="one-failed",
        ),
        pytest.param("0.5", "PASS", [], "qametrics: all 2 SLOs met", id="all-met"),
    ],
)
@pytest.mark.parametrize("quiet", [pytest.param(("-q",), id="q"), pytest.param(("-qq",), id="qq")])
def test_quiet_summary_lists_every_slo_and_ends_with_the_total(
    pytester: pytest.Pytester,
    checkout_limit: str,
    checkout_label: str,
    checkout_budget: list[str],
    total: str,
    quiet: tuple[str, ...],
) -> None:
    pytester.makepyfile(
        test_shop=f"""
        import pytest

        @pytest.mark.slo(p95={checkout_limit})
        def test_checkout(latency_tracker):
            latency_tracker.record("checkout", 0.3)

        @pytest.mark.slo(error_rate="<=50%", operation="search")
        def test_search(latency_tracker):
            latency_tracker.record("search", 0.1)
            latency_tracker.record("search", 0.9, success=False, error="timeout")
        """
    )

    result = pytester.runpytest(*quiet)

    section = slo_section(result)
    assert section[:-1] == [
        f"{checkout_label:<8} test_shop.py::test_checkout",
        f"         latency p95 = 300 ms, needs <= {int(float(checkout_limit) * 1000)} ms "
        "(n=1, latency samples)",
        *checkout_budget,
        "PASS     test_shop.py::test_search",
        "         latency[operation=search] error_rate = 50%, needs <= 50% (n=2, latency samples)",
        "         budget: 1 failed call, 1 allowed",
    ]
    qametrics_lines = [line for line in result.outlines if line.startswith("qametrics:")]
    assert qametrics_lines == [total]
    assert section[-1] == total
