"""Results where teams look: Prometheus metrics (a textfile and a Pushgateway) and alert webhooks.

This stage reads a finished run's report model (the dict ``report.model.build_report`` returns,
with its verdict rows and series statistics) and, for latency histograms, the pooled samples of
the collector; it never imports ``session/`` or pytest. ``families`` turns them into metric
families with fixed histogram buckets (``buckets``), ``prometheus`` writes them in the text
exposition format with ``prometheus_client`` and pushes them to a Pushgateway, ``alerts`` and
``payloads`` parse the ``qametrics_alert`` lines and build the Slack, PagerDuty and generic
messages, ``delivery`` sends with bounded timeouts and redacts every secret from what it says,
and ``exporter`` runs them all once and hands back the lines to show. ``session/`` calls it at
session end on the controller; ``cli`` calls it after ``qametrics merge`` and ``render``.
"""
