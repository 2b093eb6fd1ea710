"""``pytest --help`` lists every option and ini key of the plugin, and argparse can format them."""

from __future__ import annotations

import pytest

from pytest_qametrics.session.options import INI_KEYS, OPTIONS


def test_pytest_help_lists_every_qametrics_option_and_ini_key(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")

    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    text = result.stdout.str()
    assert "QA metrics and SLO gating (pytest-qametrics)" in text
    missing = [o.flag for o in OPTIONS if o.flag not in text]
    missing += [k.name for k in INI_KEYS if f"{k.name} (" not in text]
    assert missing == []


STRICT_PROJECT = """
import pytest

@pytest.mark.slo(p95=1.0)
def test_fast():
    pass
"""


def test_switching_the_plugin_off_under_strict_config_fails_as_the_readme_says(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nqametrics_slo =\n    latency.p95 <= 1s\n")
    pytester.makepyfile(test_strict=STRICT_PROJECT)

    off = pytester.runpytest("-p", "no:qametrics", "--strict-config", "--strict-markers")
    gate_off = pytester.runpytest("--qametrics-gate=off", "--strict-config", "--strict-markers")

    assert off.ret != pytest.ExitCode.OK
    assert "qametrics_slo" in off.stderr.str() + off.stdout.str()
    assert gate_off.ret == pytest.ExitCode.OK
    gate_off.assert_outcomes(passed=1)
