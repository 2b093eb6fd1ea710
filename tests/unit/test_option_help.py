"""Help texts of the option table survive argparse's ``%`` formatting and read as sentences."""

from __future__ import annotations

import argparse

import pytest

from pytest_qametrics.session.options import INI_KEYS, OPTIONS, Option


def _formatted(option: Option) -> str:
    """The help text as argparse prints it: ``help % params`` with the action's fields."""
    parser = argparse.ArgumentParser(prog="pytest")
    extra = dict(option.extra)
    if option.metavar is not None:
        extra["metavar"] = option.metavar
    parser.add_argument(option.flag, help=option.help, **extra)
    return parser.format_help()


@pytest.mark.parametrize("option", OPTIONS, ids=[o.flag for o in OPTIONS])
def test_every_option_help_formats_under_argparse_percent_rules(option: Option) -> None:
    text = " ".join(_formatted(option).split())

    assert option.flag in text
    # a literal percent sign is written %% in the table and shown once
    assert "%%" not in text
    assert text.count("%") == option.help.count("%%")


@pytest.mark.parametrize("option", OPTIONS, ids=[o.flag for o in OPTIONS])
def test_every_option_help_is_a_full_sentence(option: Option) -> None:
    assert option.help[0].isupper()
    assert option.help.endswith(".")


def test_ini_help_texts_are_printed_verbatim_so_they_hold_no_doubled_percent() -> None:
    # pytest prints ini help without %-formatting, so %% would show as two signs
    assert [key.name for key in INI_KEYS if "%%" in key.help] == []
