"""report.html is one self-contained, escaped page; what the browser tests see, read as text."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from pytest_qametrics.report import html as html_module
from pytest_qametrics.report.html import CONTENT_SECURITY_POLICY, render_html

from .projects import FAILING, HOSTILE, SCRIPT, run_project


class _Page(HTMLParser):
    """Collects tags with their attributes, and the text of <script> and <style>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.blocks: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in self.blocks else None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.blocks[self._open].append(data)

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@pytest.fixture
def failing(pytester: pytest.Pytester) -> dict[str, Any]:
    return run_project(pytester, FAILING).report


def test_the_policy_forbids_every_load_and_allows_only_the_pages_own_blocks_by_hash(
    failing: dict[str, Any],
) -> None:
    page = _Page(render_html(failing))

    [meta] = [m for m in page.all("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert meta["content"] == CONTENT_SECURITY_POLICY
    policy = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["img-src"] == "data:"
    [script], [style] = page.blocks["script"], page.blocks["style"]
    assert policy["script-src"] == f"'{_hash(script)}'"
    assert policy["style-src"] == f"'{_hash(style)}'"


def test_nothing_on_the_page_points_anywhere_else(failing: dict[str, Any]) -> None:
    text = render_html(failing)
    page = _Page(text)

    links = [a.get("href") for a in page.all("a")]
    assert links
    assert all(link is not None and link.startswith("#") for link in links)
    assert [attrs for _, attrs in page.tags if "src" in attrs or "style" in attrs] == []
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) == {"http://www.w3.org/2000/svg"}


def test_hostile_test_ids_labels_and_names_are_escaped_text(pytester: pytest.Pytester) -> None:
    text = run_project(pytester, HOSTILE).html.read_text(encoding="utf-8")

    assert SCRIPT not in text
    assert "<img src=x" not in text
    assert "<b>bold" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert len(_Page(text).blocks["script"]) == 1


def test_the_verdict_comes_first_then_the_failing_slos(failing: dict[str, Any]) -> None:
    text = render_html(failing)

    hero = text.index('class="hero fail"')
    assert hero < text.index('id="slos"')
    verdicts = re.findall(r'<tr class="row-\w+" data-verdict="(\w+)">', text)
    assert verdicts == ["fail", "fail", "pass"]
    assert "\u2717 FAIL</span>" in text
    assert "\u2713 PASS</span>" in text


def test_each_distribution_gets_a_chart_with_its_thresholds_drawn(
    failing: dict[str, Any],
) -> None:
    page = _Page(render_html(failing))

    classes = [svg.get("class") for svg in page.all("svg")]
    assert classes.count("chart latency") == 1  # search, the same samples in session and group
    assert classes.count("chart heatmap") == 1
    assert classes.count("chart bars") == 2  # escalation outcomes and reasons
    lines = [p.get("class") for p in page.all("path") if "mk-line" in (p.get("class") or "")]
    assert lines == ["mk mk-fail mk-line"]


def test_latency_charts_stop_at_the_limit_and_say_so(
    failing: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_module, "MAX_LATENCY_CHARTS", 0)

    text = render_html(failing)

    assert 'class="chart latency"' not in text
    assert "Charts are drawn for 0 latency series; 1 more are listed under Series" in text


def test_the_test_table_lists_every_test_and_hides_its_controls_until_the_script_runs(
    failing: dict[str, Any],
) -> None:
    page = _Page(render_html(failing))

    rows = [tr for tr in page.all("tr") if "data-outcome" in tr]
    assert len(rows) == len(failing["tests"]) == 23
    [controls] = [div for div in page.all("div") if div.get("id") == "test-controls"]
    assert "hidden" in controls
