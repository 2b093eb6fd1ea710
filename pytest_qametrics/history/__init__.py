"""Stage 6, what is kept: the run history in SQLite (schema, migrations, the store), the runs and
verdicts it records, baselines loaded from it or from a report.json, and ``qametrics history``.

Persistence only: it depends on the judge (it stores verdicts and hands baselines to it) and
never the reverse; a sibling of the report stage, which it does not import.
"""
