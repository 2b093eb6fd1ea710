"""Stage 3, how samples are held and travel: one test's series (``itemstore``) in typed columns,
the worker-to-controller payload (``wire``) and each worker's ledger of totals, the controller's
pool of every test's samples (``collector``, ``population``, ``testlog``), and the mergeable
data file that carries a run to ``qametrics merge`` (``artifact``).

It hands the judge one Population per SLO scope, with every sample of the whole run.
"""
