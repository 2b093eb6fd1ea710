"""An operation or tag with very many distinct values is warned about, whatever the SLOs."""

from __future__ import annotations

import pytest
from inner_projects import write_ini

from pytest_qametrics.judge.evaluation import MANY_SLICES

ID_AS_TAG = f"""
import pytest

@pytest.mark.parametrize("half", [0, 1])
def test_requests(latency_tracker, half):
    for i in range(half, {MANY_SLICES + 1}, 2):
        latency_tracker.record("GET /orders", 0.01, user=f"u{{i}}")

def test_costs(metrics):
    for i in range({MANY_SLICES + 1}):
        metrics.record(f"tokens_{{i}}", 3)

def test_a_few_regions(latency_tracker):
    for region in ("eu", "us"):
        latency_tracker.record("GET /orders", 0.01, region=region)
"""


@pytest.mark.parametrize("run", [(), ("-n", "2")], ids=["serial", "two_workers"])
def test_a_tag_used_as_an_id_is_warned_about_without_failing_the_run(
    pytester: pytest.Pytester, run: tuple[str, ...]
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_ids=ID_AS_TAG)

    result = pytester.runpytest(*run)

    assert result.ret == pytest.ExitCode.OK, result.outlines
    warnings = [line for line in result.outlines if "distinct" in line and "warning" in line]
    assert warnings == [
        f"qametrics: warning: latency recorded {MANY_SLICES + 1:,} distinct values of tag "
        f"'user' (more than {MANY_SLICES:,}); each is a series of its own, kept in memory and in "
        "qametrics-data.json (100,000 took 340 MB and a 13 MB artifact): an id belongs in an "
        "error message or example metadata, not in a tag",
        f"qametrics: warning: metric recorded {MANY_SLICES + 1:,} distinct metric names "
        f"(more than {MANY_SLICES:,}); each is a series of its own, kept in memory and in "
        "qametrics-data.json (100,000 took 340 MB and a 13 MB artifact): an id belongs in an "
        "error message or example metadata, not in a tag",
    ], result.outlines


def test_exactly_the_limit_of_distinct_values_is_not_warned_about(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_ids=ID_AS_TAG.replace(f"{MANY_SLICES + 1}", f"{MANY_SLICES}"))

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert not [line for line in result.outlines if "qametrics: warning" in line]


def test_a_per_slo_over_the_crowded_tag_warns_once_not_twice(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    sliced = ID_AS_TAG.replace(
        "def test_requests", '@pytest.mark.slo(p95=1.0, per="user")\ndef test_requests'
    )
    pytester.makepyfile(test_ids=sliced)

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK, result.outlines
    user = [line for line in result.outlines if "'user'" in line and "warning" in line]
    assert len(user) == 1, result.outlines
    assert "judged on" in user[0]
