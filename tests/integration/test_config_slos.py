"""Session SLOs from ``qametrics_slo`` judge every test's samples; bad settings are usage errors."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section, write_ini

MIXED_SUITE = """
    import pytest

    def test_unmarked_checkout(latency_tracker):
        for _ in range(3):
            latency_tracker.record("checkout", 0.100)

    def test_unmarked_search(latency_tracker):
        latency_tracker.record("search", 0.200)
        latency_tracker.record("search", 0.200)

    @pytest.mark.slo(p95=1.0)
    def test_marked_checkout(latency_tracker):
        for _ in range(5):
            latency_tracker.record("checkout", 0.050)

    def test_records_nothing():
        pass
"""


def test_session_slo_judges_the_samples_of_every_test_and_operation_filters_them(
    pytester: pytest.Pytester,
) -> None:
    write_ini(
        pytester,
        "qametrics_slo =",
        "    latency.p95 <= 1s",
        "    latency[operation=search].max <= 150ms",
        "    latency[operation=checkout].max <= 150ms",
    )
    pytester.makepyfile(test_mixed=MIXED_SUITE)

    result = pytester.runpytest()

    result.assert_outcomes(passed=4)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result) == [
        "PASS     session",
        "         latency p95 = 200 ms, needs <= 1 s (n=10, latency samples)",
        "FAIL     session",
        "         latency[operation=search] max = 200 ms, needs <= 150 ms (n=2, latency samples)",
        "PASS     session",
        "         latency[operation=checkout] max = 100 ms, needs <= 150 ms (n=8, latency samples)",
        "PASS     test_mixed.py::test_marked_checkout",
        "         latency p95 = 50 ms, needs <= 1 s (n=5, latency samples)",
        "qametrics: 1 of 4 SLOs failed",
    ]


def test_session_slo_options_apply(pytester: pytest.Pytester) -> None:
    write_ini(
        pytester,
        "qametrics_slo =",
        "    latency[operation=search].max <= 150ms severity=warn",
        "    latency[operation=checkout].p95 <= 1s min_samples=9",
    )
    pytester.makepyfile(test_mixed=MIXED_SUITE)

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result) == [
        "WARN     session",
        "         latency[operation=search] max = 200 ms, needs <= 150 ms (n=2, latency samples)",
        "         severity=warn",
        "NO DATA  session",
        "         latency[operation=checkout] p95 <= 1 s: 8 samples, needs at least 9",
        "PASS     test_mixed.py::test_marked_checkout",
        "         latency p95 = 50 ms, needs <= 1 s (n=5, latency samples)",
        (
            "qametrics: 1 of 3 SLOs failed"
            " (1 of them without enough data; 1 more breached at severity=warn)"
        ),
    ]


def test_slo_line_syntax_error_is_a_usage_error_quoting_the_line_and_its_number(
    pytester: pytest.Pytester,
) -> None:
    write_ini(
        pytester,
        "qametrics_slo =",
        "    latency.p95 <= 500ms",
        "    latency.p99 below 1s",
    )
    pytester.makepyfile(test_ok="def test_ok(): pass")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: pytest-qametrics: qametrics_slo line 2 'latency.p99 below 1s': not an SLO line*"]
    )
    result.stdout.no_fnmatch_line("*passed*")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(
            "latncy.p95 <= 1s", "unknown tracker 'latncy'; did you mean 'latency'?", id="tracker"
        ),
        pytest.param(
            "latency.p59 <= 1s",
            "unknown latency statistic 'p59'; did you mean 'p95'?",
            id="statistic",
        ),
        pytest.param("latency p95 <= 1s", "not an SLO line", id="no-dot"),
        pytest.param(
            "latency.p95 <= 1s parsec", "'parsec' is not one of the allowed", id="trailing-word"
        ),
        pytest.param("latency.p95 <= -1s", "negative duration", id="negative"),
        pytest.param("latency.error_rate <= 150%", "outside [0, 1]", id="rate"),
        pytest.param(
            "latency[op=search].p95 <= 1s", "'op=search' is not one of the allowed", id="selector"
        ),
        pytest.param(
            "latency.p95 <= 1s severity=fatal", "severity must be 'fail' or 'warn'", id="severity"
        ),
        pytest.param(
            "latency.p95 <= 1s min_samples=many",
            "min_samples must be an int >= 1",
            id="min-samples",
        ),
    ],
)
def test_invalid_slo_line_is_a_usage_error_naming_line_and_problem(
    pytester: pytest.Pytester, line: str, message: str
) -> None:
    write_ini(pytester, "qametrics_slo =", f"    {line}")
    pytester.makepyfile(test_ok="def test_ok(): pass")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert f"qametrics_slo line 1 {line!r}: " in errors
    assert message in errors


@pytest.mark.parametrize(
    ("setting", "choices"),
    [
        pytest.param("qametrics_no_data = maybe", "fail, warn, pass", id="no-data"),
        pytest.param("qametrics_percentile = median", "nearest-rank, linear", id="percentile"),
        pytest.param("qametrics_gate = strict", "enforce, warn, off", id="gate"),
    ],
)
def test_invalid_choice_setting_is_a_usage_error_listing_the_choices(
    pytester: pytest.Pytester, setting: str, choices: str
) -> None:
    write_ini(pytester, setting)
    pytester.makepyfile(test_ok="def test_ok(): pass")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    name, _, value = setting.partition(" = ")
    result.stderr.fnmatch_lines(
        [f"ERROR: pytest-qametrics: {name} = {value!r} is not valid; choose one of: {choices}"]
    )


def test_invalid_gate_option_is_a_usage_error_listing_the_choices(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_ok="def test_ok(): pass")

    result = pytester.runpytest("--qametrics-gate=strict")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--qametrics-gate: invalid choice: 'strict'*enforce*warn*off*"])
