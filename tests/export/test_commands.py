"""``qametrics merge`` and ``render`` export too: a sharded CI pushes once, for the union."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_qametrics.cli import main

from .projects import SHOP, samples_of, write_ini
from .servers import Gateway, Receiver


def _shard(pytester: pytest.Pytester, name: str, selection: str) -> Path:
    directory = pytester.path / name
    result = pytester.runpytest(
        "-k", selection, "--qametrics-report", f"--qametrics-report-dir={directory}"
    )
    assert result.ret == 0
    return directory


def test_merge_pushes_the_union_of_two_shards_once(
    pytester: pytest.Pytester, gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(test_shop=SHOP.replace("@P95@", "1.0"))
    first = _shard(pytester, "shard1", "checkout")
    second = _shard(pytester, "shard2", "not checkout")
    capsys.readouterr()
    code = main(
        [
            "merge",
            str(first),
            str(second),
            f"--report-dir={pytester.path / 'merged'}",
            f"--pushgateway={gateway.url}",
            "--push-job=shop",
            "--push-label=suite=merged",
        ]
    )
    assert code == 0
    assert "qametrics: pushed" in capsys.readouterr().out
    page = gateway.metrics()
    (slos,) = samples_of(page, "qametrics_run_slos", suite="merged", counted_as="pass")
    assert slos[2] == 4  # the SLOs of both shards, judged over the union
    shop = {"suite": "merged", "group": "shop"}
    (checkout,) = samples_of(page, "qametrics_latency_seconds_count", **shop, operation="checkout")
    (search,) = samples_of(page, "qametrics_latency_seconds_count", **shop, operation="search")
    assert (checkout[2], search[2]) == (400, 30)


def test_render_writes_the_textfile_with_histograms_from_the_runs_data_artifact(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(test_shop=SHOP.replace("@P95@", "1.0"))
    report = _shard(pytester, "report", "checkout") / "report.json"
    target = pytester.path / "textfile" / "shop.prom"
    assert main(["render", str(report), f"--prometheus={target}"]) == 0
    assert f"qametrics: wrote {target}" in capsys.readouterr().out
    text = target.read_text(encoding="utf-8")
    (count,) = samples_of(
        text, "qametrics_latency_seconds_count", operation="checkout", group="shop"
    )
    assert count[2] == 400
    assert not list(target.parent.glob(".*tmp"))  # the temporary file was renamed over it


def test_merge_with_an_unset_alert_secret_is_a_usage_error_before_any_work(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QAMETRICS_UNSET_KEY", raising=False)
    missing = pytester.path / "never-written"
    code = main(
        [
            "merge",
            str(pytester.path),
            f"--report-dir={missing}",
            "--alert",
            "pagerduty ${QAMETRICS_UNSET_KEY}",
        ]
    )
    assert code == 2
    assert "QAMETRICS_UNSET_KEY is not set" in capsys.readouterr().err
    assert not missing.exists()


def test_render_sends_the_alert_of_a_downloaded_report(
    pytester: pytest.Pytester, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_shop=SHOP.replace("@P95@", "0.1"))
    directory = pytester.path / "report"
    assert pytester.runpytest("--qametrics-report", f"--qametrics-report-dir={directory}").ret == 1
    alert = f"webhook {receiver.url}/hook on=fail"
    code = main(["render", str(directory / "report.json"), "--alert", alert, "--push-job=shop"])
    assert code == 0
    (request,) = receiver.requests
    assert request.json()["state"] == "fail"
    assert request.json()["project"] == "shop"
    assert "sent 1 webhook message(s)" in capsys.readouterr().out
