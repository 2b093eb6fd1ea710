"""Stage 5, how it is judged: the observation of each SLO's statistic over its population, its
uncertainty (intervals, error budgets, samples needed), the verdicts and the gate that turns
them into an outcome, and regression keys judged against a baseline with significance tests.

It reads populations from the samples stage and baselines as plain values (``baseline``); it
never knows where a baseline was stored. It hands verdicts to the report and history stages.
"""
