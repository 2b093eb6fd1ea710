"""Who and where a run was: the project, git branch and commit, and the CI run's web page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_qametrics.history.provenance import provenance

__all__ = ["RunContext", "ci_run_url", "run_context"]


@dataclass(frozen=True, slots=True)
class RunContext:
    """The facts an alert names besides the verdicts; every field but ``project`` may be None."""

    project: str
    branch: str | None = None
    commit: str | None = None
    run_url: str | None = None


def ci_run_url(environ: Mapping[str, str]) -> str | None:
    """The CI job's page: GitHub Actions, GitLab CI, Jenkins or Buildkite variables."""
    github = [environ.get(n) for n in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    if all(github):
        return f"{github[0]}/{github[1]}/actions/runs/{github[2]}"
    for name in ("CI_JOB_URL", "BUILD_URL", "BUILDKITE_BUILD_URL"):
        if environ.get(name):
            return environ[name]
    return None


def run_context(project: str, directory: Path, environ: Mapping[str, str]) -> RunContext:
    """The context of a run in ``directory`` (git is asked with a short timeout)."""
    facts = provenance(directory, environ)
    return RunContext(project, facts.git_branch, facts.git_commit, ci_run_url(environ))
