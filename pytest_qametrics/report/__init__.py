"""Stage 6, what is shown: one report model built from the verdicts and populations, and its
renderers (JSON, CSV, HTML, Markdown, terminal lines), plus the files that hold them.

A sibling of the history stage: neither imports the other. The session stage calls it at the
end of a run, and ``qametrics render`` draws a stored report.json again.
"""
