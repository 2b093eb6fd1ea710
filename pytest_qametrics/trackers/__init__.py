"""Stage 4, what tests call: ``latency_tracker`` (with ``timed()`` for application code and
``instrument()`` for requests sessions), ``accuracy_tracker``, ``escalation_tracker`` and the
custom ``metrics`` recorder.

Each tracker validates a sample at the call and writes it into the running test's ItemStore
from the samples stage; the statistics each tracker offers (``stats()``) are what the judge
evaluates SLOs on.
"""
