"""Facts about the machine and checkout a run came from: git commit and branch, host, Python."""

from __future__ import annotations

import os
import platform
import re
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_qametrics.version import __version__

__all__ = ["GIT_TIMEOUT", "Provenance", "provenance"]

#: Seconds each ``git`` call may take; a slow or missing git only leaves the facts empty.
GIT_TIMEOUT = 5.0
_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
#: CI variables that name the branch when the checkout is a detached HEAD (GitHub, GitLab).
_BRANCH_VARIABLES = ("GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a run came from; every field may be None."""

    git_commit: str | None
    git_branch: str | None
    host: str | None
    python: str | None
    plugin_version: str | None


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.strip()
    return text if done.returncode == 0 and text else None


def _branch(directory: Path, environ: Mapping[str, str]) -> str | None:
    branch = _git(directory, "rev-parse", "--abbrev-ref", "HEAD")
    if branch and branch != "HEAD":
        return branch
    for name in _BRANCH_VARIABLES:
        if environ.get(name):
            return environ[name]
    return None


def provenance(directory: Path, environ: Mapping[str, str] | None = None) -> Provenance:
    """The facts of a run started in ``directory`` (git is asked with a short timeout)."""
    commit = _git(directory, "rev-parse", "HEAD")
    return Provenance(
        git_commit=commit if commit and _COMMIT.match(commit) else None,
        git_branch=_branch(directory, os.environ if environ is None else environ),
        host=socket.gethostname() or None,
        python=platform.python_version(),
        plugin_version=__version__,
    )
