"""pytest-repeat: every repeat of a test is one more case of its group, like a parameter."""

from __future__ import annotations

import pytest

from .peers import MODES, read_report, slo_by_scope, write_ini

REPEATED = """
import pytest

@pytest.mark.slo(max=1.0)
@pytest.mark.parametrize("size", [1, 2])
def test_lookup(size, latency_tracker):
    latency_tracker.record("lookup", 0.1 * size)

@pytest.mark.slo(max=1.0)
@pytest.mark.repeat(4)
def test_marked(latency_tracker):
    latency_tracker.record("marked", 0.3)
"""


@MODES
def test_count_repeats_pool_into_one_group_per_test_function(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_ini(pytester, ("repeat",))
    pytester.makepyfile(test_repeated=REPEATED)

    result = pytester.runpytest(
        "--count", "3", "--qametrics-report", "--qametrics-report-dir=r", *mode
    )

    # --count 3 repeats each of the 2 cases; the repeat(4) mark wins over --count for its test
    result.assert_outcomes(passed=10)
    slos = slo_by_scope(read_report(pytester.path / "r"))
    assert slos == {
        "test_repeated.py::test_lookup": (0.2, 6, "pass"),
        "test_repeated.py::test_marked": (0.3, 4, "pass"),
    }
