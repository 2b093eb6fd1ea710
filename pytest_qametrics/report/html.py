"""Render the report model as one self-contained HTML page: jinja2, autoescaped, no remote loads."""

from __future__ import annotations

from typing import Any

import jinja2

__all__ = ["render_html"]

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qametrics report: {{ report.summary.verdict | upper }}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1d232a; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.banner { padding: .8rem 1rem; border-radius: 6px; font-weight: 600; }
.pass { background: #e3f4e6; color: #145c26; } .fail { background: #fbe4e4; color: #8a1616; }
.warn, .no_data { background: #fff4d6; color: #6b4d00; } .skipped { background: #eceff2; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #dde2e7; }
th { background: #f4f6f8; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.tag { display: inline-block; padding: 0 .45rem; border-radius: 4px; font-weight: 600; }
code { font-size: 12px; } .stat { margin-right: .8rem; white-space: nowrap; }
</style>
</head>
<body>
<h1>qametrics report</h1>
<p class="banner {{ report.summary.verdict }}">
  {{ report.summary.verdict | upper }}:
  {{ report.summary.failed }} of {{ report.summary.slos }} SLOs failed,
  {{ report.summary.warnings }} with a warning
  {% if report.run.interrupted %}(the run was interrupted: partial data){% endif %}
</p>
<p>pytest {{ report.run.pytest }}, Python {{ report.run.python }}, pytest-qametrics
  {{ report.run.plugin }}; started {{ report.run.started }}, exit status
  {{ report.run.exit_status }}, gate {{ report.run.gate }},
  percentiles {{ report.run.percentile_method }}.</p>
{% for problem in report.problems %}<p class="banner fail">{{ problem }}</p>{% endfor %}
{% for lost in report.lost_workers %}
<p class="banner fail">worker {{ lost.worker }} was lost
  {% if lost.running %}while running <code>{{ lost.running }}</code>{% endif %}
  ({{ lost.reason }})</p>
{% endfor %}
<h2>SLOs</h2>
<table>
<thead><tr><th>verdict</th><th>scope</th><th>statistic</th><th>observed</th>
<th>threshold</th><th>n</th><th>source</th></tr></thead>
<tbody>
{% for slo in report.slos %}
<tr>
<td><span class="tag {{ slo.verdict }}">{{ slo.verdict | upper }}</span></td>
<td><code>{{ slo.scope }}</code></td>
<td>{{ slo.tracker }}{% if slo.operation %}[operation={{ slo.operation }}]{% endif %}
  {{ slo.statistic }}</td>
<td class="num">{{ slo.observed if slo.observed is not none else "-" }}</td>
<td class="num">{{ slo.comparison }} {{ slo.threshold }}</td>
<td class="num">{{ slo.n }}</td>
<td>{{ slo.source }}{% if slo.reason %}: {{ slo.reason }}{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
<h2>Series</h2>
<table>
<thead><tr><th>scope</th><th>series</th><th>statistics</th></tr></thead>
<tbody>
{% for series in report.series %}
<tr><td><code>{{ series.scope }}</code></td><td>{{ series.tracker }} {{ series.name }}</td>
<td>{% for name, value in series.statistics.items() %}
<span class="stat">{{ name }}
  <b>{{ "%.6g" | format(value) if value is not none else "-" }}</b></span>
{% endfor %}</td></tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
"""

_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def render_html(report: dict[str, Any]) -> str:
    """Return the page for ``report``."""
    return _ENVIRONMENT.from_string(_TEMPLATE).render(report=report)
