"""Run history in SQLite, baselines from earlier runs, and regression gating against them."""
