"""report.html in a real headless Chromium: it loads clean, reads right, and stays inert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from pytest_qametrics import cli
from pytest_qametrics.report.html import render_html

from .browser import launch, visit
from .projects import (
    EVALS,
    FAILING,
    HOSTILE,
    INTERRUPTED,
    PASSING,
    SCRIPT,
    run_crashing,
    run_project,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch() as chromium:
        yield chromium


def _visible_tests(page: Page) -> list[str]:
    return page.locator("#test-table tbody tr:visible td:first-child").all_inner_texts()


@pytest.mark.parametrize(
    ("source", "args", "headline"),
    [
        pytest.param(PASSING, (), "PASS", id="passing"),
        pytest.param(FAILING, (), "FAIL", id="failing"),
        pytest.param(FAILING, ("-n", "2"), "FAIL", id="xdist"),
        pytest.param(INTERRUPTED, (), "INTERRUPTED", id="interrupted"),
        pytest.param(HOSTILE, (), "PASS", id="hostile-names"),
        pytest.param(EVALS, (), "PASS", id="evals"),
    ],
)
def test_the_page_loads_with_no_console_errors_and_no_requests(
    pytester: pytest.Pytester,
    browser: Browser,
    source: str,
    args: tuple[str, ...],
    headline: str,
) -> None:
    run = run_project(pytester, source, *args)

    with visit(browser, run.html) as seen:
        assert seen.page.locator(".hero .word").inner_text() == headline
        assert seen.errors == []
        assert seen.requests_elsewhere() == []
        assert seen.dialogs == []


def test_every_slo_row_shows_its_verdict_in_words_as_well_as_colour(
    pytester: pytest.Pytester, browser: Browser
) -> None:
    run = run_project(pytester, FAILING)

    with visit(browser, run.html) as seen:
        rows = seen.page.locator("table.slos tbody tr")
        shown = sorted(
            (row.locator("td").nth(1).inner_text().split("\n")[0], row.locator(".tag").inner_text())
            for row in rows.all()
        )
    assert shown == [
        ("accuracy accuracy", "\u2717 FAIL"),
        ("escalation escalation_rate", "\u2713 PASS"),
        ("latency[operation=search] p95", "\u2717 FAIL"),
    ]


def test_a_script_in_a_test_id_or_label_renders_as_text_and_never_runs(
    pytester: pytest.Pytester, browser: Browser
) -> None:
    run = run_project(pytester, HOSTILE)

    with visit(browser, run.html) as seen:
        page = seen.page
        assert page.evaluate("document.scripts.length") == 1
        assert page.locator("img").count() == 0
        assert f"test_project.py::test_names[{SCRIPT}]" in _visible_tests(page)
        assert SCRIPT in (page.locator(".heatmap").first.text_content() or "")
        assert seen.dialogs == []
        assert seen.errors == []


def test_the_test_table_filters_by_text_and_outcome_when_javascript_runs(
    pytester: pytest.Pytester, browser: Browser
) -> None:
    run = run_project(pytester, FAILING)

    with visit(browser, run.html) as seen:
        page = seen.page
        assert page.locator("#test-count").inner_text() == "23 of 23 tests shown"
        page.fill("#test-filter", "search[1")
        assert len(_visible_tests(page)) == 11  # [1] and [10] to [19]
        page.fill("#test-filter", "")
        page.select_option("#test-outcome", "failed")
        assert _visible_tests(page) == ["test_project.py::test_broken"]
        assert page.locator("#test-count").inner_text() == "1 of 23 tests shown"


def test_the_test_table_sorts_by_a_column_both_ways(
    pytester: pytest.Pytester, browser: Browser
) -> None:
    run = run_project(pytester, FAILING)

    with visit(browser, run.html) as seen:
        page = seen.page
        sort_keys = "#test-table tbody tr td:nth-child(3)"
        page.get_by_role("button", name="call duration").click()
        ascending = [float(v) for v in page.eval_on_selector_all(sort_keys, _SORT_VALUES)]
        page.get_by_role("button", name="call duration").click()
        descending = [float(v) for v in page.eval_on_selector_all(sort_keys, _SORT_VALUES)]
        assert ascending == sorted(ascending)
        assert len(ascending) == 23
        assert descending == sorted(ascending, reverse=True)
        header = page.locator("#test-table th").nth(2)
        assert header.get_attribute("aria-sort") == "descending"


_SORT_VALUES = "cells => cells.map(cell => cell.getAttribute('data-sort'))"


def test_without_javascript_every_test_shows_and_the_controls_stay_hidden(
    pytester: pytest.Pytester, browser: Browser
) -> None:
    run = run_project(pytester, FAILING)

    with visit(browser, run.html, javascript=False) as seen:
        page = seen.page
        assert len(_visible_tests(page)) == 23
        assert not page.locator("#test-controls").is_visible()
        assert page.locator("table.slos tbody tr").count() == 3
        assert seen.errors == []


def test_a_lost_worker_is_an_alert_and_its_test_is_marked_crashed(
    pytester: pytest.Pytester, browser: Browser
) -> None:
    run = run_crashing(pytester)

    with visit(browser, run.html) as seen:
        page = seen.page
        assert page.locator(".hero .word").inner_text() == "INCOMPLETE"
        assert "was lost while running test_project.py::test_crash" in (
            page.get_by_role("alert").first.inner_text()
        )
        page.select_option("#test-outcome", "crashed")
        assert _visible_tests(page) == ["test_project.py::test_crash"]
        assert seen.errors == []
        assert seen.requests_elsewhere() == []


INJECTED = 'pass"/></svg><meta http-equiv="refresh" content="0;url=about:blank#navigated">'


def test_a_crafted_verdict_is_refused_by_render_and_stays_inert_in_the_page(
    pytester: pytest.Pytester, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    """The verdict lands in a chart marker's class attribute; render refuses the file, and a
    page rendered from it anyway (render_html skips no escaping) keeps the text inert."""
    run = run_project(pytester, FAILING)
    report = json.loads((run.directory / "report.json").read_text(encoding="utf-8"))
    latency = next(slo for slo in report["slos"] if slo["tracker"] == "latency")
    latency["verdict"] = INJECTED
    report["summary"]["verdict"] = INJECTED
    crafted = pytester.path / "crafted.json"
    crafted.write_text(json.dumps(report), encoding="utf-8")

    assert cli.main(["render", str(crafted), "--html", str(pytester.path / "out.html")]) == 2
    error = capsys.readouterr().err
    assert "is not one of" in error
    assert not (pytester.path / "out.html").exists()

    page_file = pytester.path / "crafted.html"
    page_file.write_text(render_html(report), encoding="utf-8")
    with visit(browser, page_file) as seen:
        page = seen.page
        page.wait_for_timeout(300)  # a refresh with content=0 would have navigated by now
        assert page.url == page_file.as_uri()
        assert page.evaluate("document.querySelectorAll('meta[http-equiv]').length") == 1  # CSP
        assert page.locator(".chart").count() >= 1
        assert seen.requests_elsewhere() == []


def test_the_evals_section_shows_pass_hat_k_and_names_each_flaky_case_as_text(
    pytester: pytest.Pytester, browser: Browser
) -> None:
    run = run_project(pytester, EVALS)

    with visit(browser, run.html) as seen:
        cards = seen.page.locator("#evals ~ article.card")
        agent = cards.filter(has_text="trials of agent")
        assert "pass^2 75%" in agent.locator(".stats").inner_text().replace("\n", " ")
        flaky = agent.locator("tbody tr").all_inner_texts()
        assert flaky == ["test_project.py::test_agent[refund]\t3 of 4"]
        scored = cards.filter(has_text="trials of test_project.py::test_scored")
        assert scored.locator("tbody code").all_inner_texts() == [SCRIPT]
        assert seen.dialogs == []
        rows = seen.page.locator("table.slos tbody tr").all_inner_texts()
        assert any("evals pass^2" in row for row in rows), rows
