"""A real pytest -n 2 run pushes to a real Pushgateway, which a real Prometheus scrapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pytest_qametrics.export.buckets import BOUNDS, BUCKET_ERROR

from .projects import latency_row, read_report, run_shop, samples_of, write_ini
from .servers import Gateway, Prometheus, Receiver

DASHBOARD = Path(__file__).parents[2] / "examples" / "grafana" / "qametrics-dashboard.json"


def _push(pytester: pytest.Pytester, gateway: Gateway, suite: str, *args: str) -> pytest.RunResult:
    write_ini(pytester, "qametrics_push_job = shop", f"qametrics_push_labels = suite={suite}")
    return run_shop(pytester, "-n", "2", f"--qametrics-pushgateway={gateway.url}", *args)


def test_an_xdist_run_pushes_its_families_to_the_gateway_which_serves_them_back(
    pytester: pytest.Pytester, gateway: Gateway
) -> None:
    result = _push(pytester, gateway, "families")
    assert result.ret == 0
    report = read_report(pytester)
    page = gateway.metrics()
    group = {"job": "shop", "suite": "families"}
    checkout = {**group, "group": "shop", "operation": "checkout"}
    (count,) = samples_of(page, "qametrics_latency_seconds_count", **checkout)
    assert count[2] == 400
    (p95,) = samples_of(page, "qametrics_latency_p95_seconds", **checkout)
    assert p95[2] == latency_row(report, "shop", "checkout")["statistics"]["p95"]
    buckets = samples_of(page, "qametrics_latency_seconds_bucket", **checkout)
    assert [float(b[1]["le"]) for b in buckets] == [*BOUNDS, float("inf")]
    assert buckets[-1][2] == 400
    verdicts = samples_of(page, "qametrics_slo_verdict", **group, statistic="p95", verdict="pass")
    assert {v[1]["operation"] for v in verdicts} == {"checkout", "search"}
    assert all(v[2] == 1 for v in verdicts)
    (accuracy,) = samples_of(
        page, "qametrics_classifier_accuracy_ratio", **group, group="test_shop.py::test_intent"
    )
    assert accuracy[2] == pytest.approx(0.8)
    (escalation,) = samples_of(page, "qametrics_escalation_ratio", **group, group="session")
    assert escalation[2] == pytest.approx(0.5)
    (cost,) = samples_of(page, "qametrics_token_cost_usd", **group, group="session")
    assert cost[2] == pytest.approx(0.25)
    (passed,) = samples_of(page, "qametrics_run_tests", **group, outcome="passed")
    assert passed[2] == 45
    assert samples_of(page, "push_time_seconds", **group)
    assert "pushed" in result.stdout.str()
    assert f"pushgateway {gateway.url}" in result.stdout.str()


def test_only_the_controller_pushes_once_under_xdist(
    pytester: pytest.Pytester, receiver: Receiver
) -> None:
    write_ini(pytester, "qametrics_push_job = shop")
    result = run_shop(pytester, "-n", "2", f"--qametrics-pushgateway={receiver.url}")
    assert result.ret == 0
    assert [(r.method, r.path) for r in receiver.requests] == [("PUT", "/metrics/job/shop")]
    assert b"qametrics_slo_verdict" in receiver.requests[0].body


def test_a_second_push_of_the_same_grouping_key_replaces_the_first(
    pytester: pytest.Pytester, gateway: Gateway
) -> None:
    assert _push(pytester, gateway, "replace").ret == 0
    assert samples_of(gateway.metrics(), "qametrics_latency_p95_seconds", operation="search")
    pytester.makepyfile(test_shop="def test_nothing_measured():\n    pass\n")
    result = pytester.runpytest("-n", "2", f"--qametrics-pushgateway={gateway.url}")
    assert result.ret == 0
    page = gateway.metrics()
    assert samples_of(page, "qametrics_latency_p95_seconds", suite="replace") == []
    (tests,) = samples_of(page, "qametrics_run_tests", suite="replace", outcome="passed")
    assert tests[2] == 1


def test_prometheus_histogram_quantile_of_our_buckets_is_within_the_bucket_error_of_our_p95(
    pytester: pytest.Pytester, gateway: Gateway, prometheus: Prometheus
) -> None:
    assert _push(pytester, gateway, "quantile").ret == 0
    exact = latency_row(read_report(pytester), "shop", "checkout")["statistics"]["p95"]
    where = 'suite="quantile", group="shop", operation="checkout"'
    query = f"histogram_quantile(0.95, sum by (le) (qametrics_latency_seconds_bucket{{{where}}}))"
    result = prometheus.query_until(query, bool)
    assert result, f"Prometheus never scraped {where}"
    estimate = float(result[0]["value"][1])
    assert abs(estimate - exact) <= BUCKET_ERROR * exact, (estimate, exact)
    (gauge,) = prometheus.query_until(f"qametrics_latency_p95_seconds{{{where}}}", bool)
    assert float(gauge["value"][1]) == exact


def _dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def test_every_promql_expression_of_the_grafana_dashboard_returns_data(
    pytester: pytest.Pytester, gateway: Gateway, prometheus: Prometheus
) -> None:
    assert _push(pytester, gateway, "dashboard", "-o", "qametrics_push_job=shop").ret == 0
    queries = _dashboard_queries()
    assert len(queries) >= 6
    variables = {"job": "shop", "group": ".*", "operation": ".*"}
    empty = []
    for expr in queries:
        concrete = re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], expr)
        if not prometheus.query_until(concrete, bool, seconds=20):
            empty.append(expr)
    assert empty == []


def test_a_run_in_which_no_test_ran_does_not_replace_the_last_push(
    pytester: pytest.Pytester, receiver: Receiver
) -> None:
    pytester.makepyfile(test_shop="def test_one():\n    pass\n")
    result = pytester.runpytest("--collect-only", f"--qametrics-pushgateway={receiver.url}")
    assert result.ret == 0
    assert receiver.requests == []
    result.stdout.fnmatch_lines(["qametrics: no test ran, so nothing was exported"])
