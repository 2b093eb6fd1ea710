"""Hands a finished run's report to CI: JUnit XML properties, a GitHub summary, annotations."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_qametrics.report.ci import github_annotations, junit_properties
from pytest_qametrics.report.markdown import markdown_summary

__all__ = ["ci_wants_report", "publish"]


def _on_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _junit_recorder(config: pytest.Config) -> Callable[[str, object], None] | None:
    """The ``add_global_property`` of the active ``--junitxml`` writer, or None.

    pytest's public door to it is the ``record_testsuite_property`` fixture, which a
    session-end hook cannot request (and which xdist does not support on workers). The writer
    is a registered plugin on the process that writes the XML (the xdist controller too), so
    it is found among the plugins by that public method name, with no import of pytest's
    private ``_pytest.junitxml`` module and its stash key.
    """
    if not config.getoption("xmlpath", None):
        return None
    for plugin in config.pluginmanager.get_plugins():
        add = getattr(plugin, "add_global_property", None)
        if callable(add):
            return add  # type: ignore[no-any-return]
    return None


def ci_wants_report(config: pytest.Config) -> bool:
    """Whether --junitxml or a GitHub Actions job is there to read the verdicts."""
    summary = "GITHUB_STEP_SUMMARY" in os.environ
    return summary or _on_github_actions() or _junit_recorder(config) is not None


def publish(config: pytest.Config, report: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Add the JUnit properties and the job summary; return (annotation lines, notes).

    Call it before junitxml's own ``pytest_sessionfinish`` writes the file.
    """
    junit = _junit_recorder(config)
    if junit is not None:
        for name, value in junit_properties(report):
            junit(name, value)
    notes = []
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as stream:
                stream.write(markdown_summary(report))
        except OSError as err:
            notes.append(f"qametrics: could not append to GITHUB_STEP_SUMMARY: {err}")
    if not _on_github_actions():
        return [], notes
    workspace = os.environ.get("GITHUB_WORKSPACE")
    return github_annotations(
        report, config.rootpath, Path(workspace) if workspace else None
    ), notes
