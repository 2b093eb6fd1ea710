"""Stage 2, the numbers: nearest-rank and linear percentiles, the mergeable log histogram and the
latency digest built on it, confidence intervals, and the summary statistics of a latency series.

Pure functions and small value types over numpy arrays, knowing nothing of tests or SLOs beyond
the catalogue's names. The samples stage folds series into these structures; the trackers and
the judge compute their statistics with them.
"""
