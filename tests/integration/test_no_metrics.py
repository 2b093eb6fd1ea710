"""A suite that declares no metrics runs exactly as it would without the plugin."""

from __future__ import annotations

import re

import pytest

_OUTCOME_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) ")

PASSING_SUITE = """
    import pytest

    @pytest.fixture
    def answer():
        return 42

    def test_fixture_value(answer):
        assert answer == 42

    @pytest.mark.parametrize("n", [1, 2, 3])
    def test_parametrized(n):
        assert n > 0
"""

FAILING_SUITE = """
    import pytest

    def test_passes():
        assert True

    def test_fails():
        assert 1 + 1 == 3

    @pytest.fixture
    def broken():
        raise RuntimeError("setup failed")

    def test_errors_in_setup(broken):
        pass
"""

SKIPPING_SUITE = """
    import sys
    import pytest

    @pytest.mark.skip(reason="not today")
    def test_skipped_by_mark():
        pass

    @pytest.mark.skipif(sys.version_info > (3,), reason="always on py3")
    def test_skipped_by_condition():
        pass

    def test_skipped_in_body():
        pytest.skip("decided at run time")

    @pytest.mark.xfail(reason="known bug")
    def test_expected_failure():
        assert False

    @pytest.mark.xfail(reason="fixed already")
    def test_unexpected_pass():
        assert True

    def test_passes():
        assert True
"""


def outcome_lines(result: pytest.RunResult) -> list[str]:
    """The per-test lines of the ``-rA`` short summary."""
    return sorted(line for line in result.outlines if _OUTCOME_LINE.match(line))


@pytest.mark.parametrize(
    ("source", "exit_code"),
    [
        pytest.param(PASSING_SUITE, pytest.ExitCode.OK, id="passing"),
        pytest.param(FAILING_SUITE, pytest.ExitCode.TESTS_FAILED, id="failing"),
        pytest.param(SKIPPING_SUITE, pytest.ExitCode.OK, id="skips-and-xfail"),
    ],
)
def test_suite_without_metrics_has_the_same_outcomes_and_exit_code_as_without_the_plugin(
    pytester: pytest.Pytester, source: str, exit_code: pytest.ExitCode
) -> None:
    pytester.makepyfile(test_plain=source)
    assert pytester.parseconfig().pluginmanager.has_plugin("qametrics")

    with_plugin = pytester.runpytest("-q", "-rA")
    without_plugin = pytester.runpytest("-q", "-rA", "-p", "no:qametrics")

    assert with_plugin.ret == without_plugin.ret == exit_code
    assert with_plugin.parseoutcomes() == without_plugin.parseoutcomes()
    assert outcome_lines(with_plugin) == outcome_lines(without_plugin)
    assert outcome_lines(with_plugin)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(PASSING_SUITE, id="passing"),
        pytest.param(FAILING_SUITE, id="failing"),
        pytest.param(SKIPPING_SUITE, id="skips-and-xfail"),
    ],
)
def test_suite_without_metrics_prints_no_qametrics_section(
    pytester: pytest.Pytester, source: str
) -> None:
    pytester.makepyfile(test_plain=source)

    result = pytester.runpytest("-q", "-rA")

    assert "qametrics" not in result.stdout.str()
    assert "qametrics" not in result.stderr.str()
