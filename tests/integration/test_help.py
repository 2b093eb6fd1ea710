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
