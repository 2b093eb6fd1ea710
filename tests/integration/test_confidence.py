"""``confidence=``, the inconclusive verdict, its policy and ``per=`` slices, end to end."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section, write_ini

#: 45 of 50 correct: accuracy 90%, one-sided 95% Wilson bounds about [80.9%, 95.1%].
ACCURACY_SUITE = """
import pytest

@pytest.mark.slo(accuracy={threshold}, confidence=0.95)
@pytest.mark.parametrize("case", range(50))
def test_intent(accuracy_tracker, case):
    accuracy_tracker.record("refund" if case < 5 else "billing", "billing")
"""

XDIST = ("-n", "2")


def run(pytester: pytest.Pytester, threshold: float, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_intents=ACCURACY_SUITE.format(threshold=threshold))
    return pytester.runpytest(*args)


@pytest.mark.parametrize("extra", [(), XDIST], ids=["serial", "xdist"])
def test_an_interval_inside_the_threshold_passes(
    pytester: pytest.Pytester, extra: tuple[str, ...]
) -> None:
    write_ini(pytester)
    result = run(pytester, 0.75, *extra)
    section = slo_section(result)
    assert section[0] == "PASS     test_intents.py::test_intent"
    assert section[2].startswith("         95% bounds [80.")
    assert section[-1] == "qametrics: the 1 SLO was met"
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize("extra", [(), XDIST], ids=["serial", "xdist"])
def test_an_interval_wholly_past_the_threshold_fails(
    pytester: pytest.Pytester, extra: tuple[str, ...]
) -> None:
    write_ini(pytester)
    result = run(pytester, 0.97, *extra)
    section = slo_section(result)
    assert section[0] == "FAIL     test_intents.py::test_intent"
    assert section[-1] == "qametrics: 1 of 1 SLOs failed"
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    ("policy", "exit_code", "total"),
    [
        ("warn", pytest.ExitCode.OK, "qametrics: 1 SLO: 1 inconclusive"),
        ("pass", pytest.ExitCode.OK, "qametrics: 1 SLO: 1 inconclusive"),
        (
            "fail",
            pytest.ExitCode.TESTS_FAILED,
            "qametrics: 1 of 1 SLOs failed (1 of them inconclusive)",
        ),
    ],
)
def test_an_interval_straddling_the_threshold_is_inconclusive_and_the_policy_decides(
    pytester: pytest.Pytester, policy: str, exit_code: pytest.ExitCode, total: str
) -> None:
    write_ini(pytester, f"qametrics_inconclusive = {policy}")
    result = run(pytester, 0.9, *XDIST)
    section = slo_section(result)
    assert section[0] == "UNSURE   test_intents.py::test_intent"
    assert section[1] == ("         accuracy accuracy = 90%, needs >= 90% (n=50, classifications)")
    assert "budget: 5 misclassifications, 5 allowed" in section[2]
    assert section[-1] == total
    assert result.ret == exit_code


def test_a_p95_upper_bound_needs_59_samples_and_the_summary_says_so(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_few="""
        import pytest

        @pytest.mark.slo(p95="<=100ms", confidence=0.95)
        @pytest.mark.parametrize("case", range(20))
        def test_fast(latency_tracker, case):
            latency_tracker.record("op", 0.01)
        """
    )
    section = slo_section(pytester.runpytest())
    assert section[0] == "UNSURE   test_few.py::test_fast"
    assert section[2] == (
        "         95% bounds [10 ms, unbounded]; budget: 0 slow calls, 1 allowed; "
        "about 59 samples could decide it"
    )


def test_confidence_on_a_maximum_is_a_collection_error(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_max="""
        import pytest

        @pytest.mark.slo(max=1.0, confidence=0.95)
        def test_x(latency_tracker):
            latency_tracker.record("op", 0.01)
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*test_max.py::test_x: max has no meaningful confidence interval*"]
    )


def test_a_confidence_option_on_an_ini_line_is_applied(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_slo =", "    accuracy.accuracy >= 0.9 confidence=0.95")
    result = run(pytester, 0.5)
    assert slo_section(result)[0] == "UNSURE   session"


@pytest.mark.parametrize("extra", [(), XDIST], ids=["serial", "xdist"])
def test_per_operation_judges_each_endpoint_so_one_slow_endpoint_cannot_hide(
    pytester: pytest.Pytester, extra: tuple[str, ...]
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_endpoints="""
        import pytest

        @pytest.mark.slo(p95="<=50ms", per="operation")
        @pytest.mark.parametrize("case", range(40))
        def test_api(latency_tracker, case):
            latency_tracker.record("GET /fast", 0.01)
            latency_tracker.record("GET /slow", 0.2 if case % 10 == 0 else 0.02)
        """
    )
    result = pytester.runpytest(*extra)
    assert slo_section(result) == [
        "PASS     test_endpoints.py::test_api [operation=GET /fast]",
        "         latency p95 = 10 ms, needs <= 50 ms (n=40, latency samples)",
        "         budget: 0 slow calls, 2 allowed",
        "FAIL     test_endpoints.py::test_api [operation=GET /slow]",
        "         latency p95 = 200 ms, needs <= 50 ms (n=40, latency samples)",
        "         budget: 4 slow calls, 2 allowed",
        "qametrics: 1 of 2 SLOs failed",
    ]
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_per_class_judges_each_label_on_its_own(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_labels="""
        import pytest

        @pytest.mark.slo(recall=0.8, per="class")
        @pytest.mark.parametrize("case", range(30))
        def test_classify(accuracy_tracker, case):
            label = ["billing", "refund", "tech"][case % 3]
            accuracy_tracker.record("refund" if label == "tech" and case % 2 else label, label)
        """
    )
    section = slo_section(pytester.runpytest())
    heads = [line for line in section if not line.startswith(" ")]
    assert heads == [
        "PASS     test_labels.py::test_classify [class=billing]",
        "PASS     test_labels.py::test_classify [class=refund]",
        "FAIL     test_labels.py::test_classify [class=tech]",
        "qametrics: 1 of 3 SLOs failed",
    ]


def test_per_class_on_a_latency_key_is_a_collection_error(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.slo(p95=1.0, per="class")
        def test_x(latency_tracker):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*per='class' judges each label on its own*"])
