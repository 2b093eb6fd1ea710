"""pytest-cov, pytest-html and --junitxml in one run with --qametrics-report: all complete."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from .peers import MODES, read_report, slo_by_scope, write_ini

SHOP = """
def price(quantity):
    if quantity > 10:
        return quantity * 9
    return quantity * 10
"""

TESTS = """
import pytest

from shop import price

@pytest.mark.slo(p95=1.0)
@pytest.mark.parametrize("quantity", range(1, 9))
def test_price(quantity, latency_tracker):
    with latency_tracker.measure("price"):
        assert price(quantity) == 10 * quantity

@pytest.mark.slo(max=0.001)
def test_slow_path(latency_tracker):
    latency_tracker.record("bulk", 0.5)
    assert price(11) == 99

def test_plain():
    assert price(0) == 0
"""


@MODES
def test_coverage_html_junit_and_qametrics_reports_are_all_complete(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_ini(pytester, ("pytest_cov", "html"), "pythonpath = .")
    pytester.makepyfile(shop=SHOP, test_shop=TESTS)

    result = pytester.runpytest(
        "--cov=shop",
        "--cov-report=xml:coverage.xml",
        "--html=page/tests.html",
        "--self-contained-html",
        "--junitxml=junit.xml",
        "--qametrics-report",
        "--qametrics-report-dir=r",
        *mode,
    )

    # every test passes; the breached max=1 ms SLO alone turns the run red
    result.assert_outcomes(passed=10)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    slos = slo_by_scope(read_report(pytester.path / "r"))
    assert slos == {
        "test_shop.py::test_price": (slos["test_shop.py::test_price"][0], 8, "pass"),
        "test_shop.py::test_slow_path": (0.5, 1, "fail"),
    }
    assert len(read_report(pytester.path / "r")["tests"]) == 10
    coverage = ET.parse(pytester.path / "coverage.xml").getroot()
    assert coverage.get("line-rate") == "1"  # both branches of price() ran, on either worker
    junit = ET.parse(pytester.path / "junit.xml").getroot().find("testsuite")
    assert junit is not None
    assert (junit.get("tests"), junit.get("failures"), junit.get("errors")) == ("10", "0", "0")
    properties = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert properties["qametrics_verdict"] == "fail"
    page = (pytester.path / "page" / "tests.html").read_text(encoding="utf-8")
    assert "test_shop.py::test_slow_path" in page
    assert "10 tests" in page or "10 test" in page
    for name in ("report.html", "report.json", "slos.csv", "series.csv"):
        assert (pytester.path / "r" / name).stat().st_size > 0
