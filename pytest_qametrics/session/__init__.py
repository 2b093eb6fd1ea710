"""Stage 8, the pytest-facing side of a run: the option table, the recorder that points the
trackers at each running test and ships its samples (worker side), the gatekeeper that pools
them, judges, writes the reports and sets the exit status (controller side), the xdist watcher,
and the CI integrations.

Only this stage and ``plugin.py`` import pytest; everything below it stays testable without it.
"""
