"""Where a run came from: the git commit of the directory it ran in, when there is one."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

__all__ = ["git_commit"]

_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def git_commit(directory: Path) -> str | None:
    """The commit checked out in ``directory``'s repository, or None (no git, no repository)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and _COMMIT.match(commit) else None
