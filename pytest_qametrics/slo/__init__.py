"""Stage 1, what is judged: the key catalogue, thresholds and units, the SloSpec parsed from an
``slo`` mark, and the ``qametrics_slo`` ini lines.

Everything here is pure vocabulary (no numpy, no pytest). Every later stage speaks it: the
samples stage carries SloSpecs from workers to the controller, the judge evaluates them, the
reports and the history name series and verdicts by them.
"""
