"""The ``slo`` marker is registered, and a bad declaration is a collection error naming the test."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section


def test_slo_marker_is_accepted_under_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.slo(p95=1.0, error_rate="<=1%", operation="checkout", min_samples=1)
        def test_checkout(latency_tracker):
            latency_tracker.record("checkout", 0.25)
        """
    )

    result = pytester.runpytest("--strict-markers")

    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result)[-1] == "qametrics: all 2 SLOs met"


def test_slo_marker_is_listed_by_markers_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")

    result.stdout.fnmatch_lines(["@pytest.mark.slo(**thresholds): *"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param("p59=1.0", "unknown key 'p59'; did you mean 'p95'?", id="misspelt-key"),
        pytest.param('p95="fast"', "p95='fast' is not a threshold", id="word-threshold"),
        pytest.param("p95=[1.0]", "p95 needs a number or a comparison string", id="list"),
        pytest.param("p99=-0.5", "negative duration", id="negative-latency"),
        pytest.param("error_rate=1.5", "outside [0, 1]", id="rate-above-1"),
        pytest.param('success_rate="-2%"', "outside [0, 1]", id="negative-rate"),
        pytest.param("1.0", "takes keyword arguments only", id="positional"),
        pytest.param(
            'p95=1.0, severity="fatal"', "severity must be 'fail' or 'warn'", id="severity"
        ),
        pytest.param("p95=1.0, min_samples=0", "min_samples must be an int >= 1", id="min-samples"),
        pytest.param('operation="checkout"', "names no threshold", id="no-threshold"),
    ],
)
def test_invalid_slo_mark_is_a_collection_error_naming_the_test(
    pytester: pytest.Pytester, arguments: str, message: str
) -> None:
    pytester.makepyfile(
        test_marked=f"""
        import pytest

        def test_unmarked_neighbour():
            pass

        @pytest.mark.slo({arguments})
        def test_checkout(latency_tracker):
            latency_tracker.record("checkout", 0.25)
        """
    )

    result = pytester.runpytest("--strict-markers")

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    errors = result.stdout.str()
    assert "ERROR collecting test_marked.py" in errors
    assert "@pytest.mark.slo on test_marked.py::test_checkout: " in errors
    assert message in errors


def test_invalid_slo_mark_on_a_class_names_each_method(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.slo(p95=1.0, sevrity="warn")
        class TestCheckout:
            def test_pay(self):
                pass
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_marked.py*",
            "@pytest.mark.slo on test_marked.py::TestCheckout::test_pay: unknown key 'sevrity';"
            " did you mean 'severity'?",
        ]
    )
