"""The textfile for node_exporter, and ``metrics.prom`` in the report directory."""

from __future__ import annotations

import pytest

from pytest_qametrics.export.buckets import BOUNDS

from .projects import read_report, run_shop, samples_of, shop_prom, write_ini


def test_an_xdist_run_writes_the_textfile_and_metrics_prom_with_the_same_families(
    pytester: pytest.Pytester,
) -> None:
    target = shop_prom(pytester)
    formats = "--qametrics-formats=json,prom"
    result = run_shop(pytester, "-n", "2", formats, f"--qametrics-prometheus={target}")
    assert result.ret == 0
    in_report_dir = pytester.path / "report" / "metrics.prom"
    text = target.read_text(encoding="utf-8")
    assert in_report_dir.read_text(encoding="utf-8") == text
    assert not list(target.parent.glob(".*.tmp"))
    report = read_report(pytester)
    for slo in report["slos"]:
        (verdict,) = samples_of(
            text,
            "qametrics_slo_verdict",
            group=slo["scope"],
            statistic=slo["statistic"],
            operation=slo["operation"] or "",
            verdict="pass",
        )
        assert verdict[2] == 1
    checkout = {"group": "shop", "operation": "checkout"}
    buckets = samples_of(text, "qametrics_latency_seconds_bucket", **checkout)
    assert len(buckets) == len(BOUNDS) + 1
    counts = [b[2] for b in buckets]
    assert counts == sorted(counts)
    (total,) = samples_of(text, "qametrics_latency_seconds_sum", **checkout)
    assert total[2] == pytest.approx(
        sum(0.002 * 2.718281828459045 ** ((k % 97) / 20) for k in range(400))
    )
    assert (
        f"qametrics: wrote {target}"
        in result.stdout.str().replace(", ", "\n").replace("wrote ", "wrote \n")
        or str(target) in result.stdout.str()
    )


def test_a_textfile_that_cannot_be_written_is_an_error_line_not_a_crash(
    pytester: pytest.Pytester,
) -> None:
    blocker = pytester.path / "blocker"
    blocker.write_text("a file, not a directory", encoding="utf-8")
    result = run_shop(pytester, f"--qametrics-prometheus={blocker / 'shop.prom'}")
    assert result.ret == 0
    result.stdout.fnmatch_lines([f"ERROR qametrics export: textfile {blocker / 'shop.prom'}: *"])


def test_high_cardinality_operations_are_capped_with_a_warning(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_export_max_label_values = 5")
    pytester.makepyfile(
        test_many="""
        def test_many(latency_tracker):
            for i in range(12):
                latency_tracker.record(f"op{i:02d}", 0.01)
        """
    )
    target = shop_prom(pytester)
    result = pytester.runpytest(f"--qametrics-prometheus={target}")
    assert result.ret == 0
    operations = {
        s[1]["operation"] for s in samples_of(target.read_text(), "qametrics_latency_p95_seconds")
    }
    assert operations == {"op00", "op01", "op02", "op03", "op04"}
    result.stdout.fnmatch_lines(
        [
            "*qametrics export: label 'operation' has more than 5 values; 7 series with "
            "further values were left out*"
        ]
    )


AGENT = """
import pytest

PASSES = {"refund": [1, 1, 0, 1], "hours": [1, 1, 1, 1]}

@pytest.mark.parametrize("case", sorted(PASSES))
@pytest.mark.slo(group="agent", pass_hat_k=0.1, k=2, pass_at_k=0.1, trials=4)
def test_agent(case, qametrics_trial, evals):
    evals.record(bool(PASSES[case][qametrics_trial - 1]), score=0.5)
"""


def test_evals_export_their_trials_pass_rates_and_pass_hat_k_by_k(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_agent=AGENT)
    target = pytester.path / "evals.prom"

    result = pytester.runpytest("-n", "2", f"--qametrics-prometheus={target}")

    assert result.ret == 0, result.outlines
    text = target.read_text(encoding="utf-8")
    agent = {"group": "agent"}
    assert samples_of(text, "qametrics_eval_trials", **agent)[0][2] == 8
    assert samples_of(text, "qametrics_eval_passed_trials", **agent)[0][2] == 7
    assert samples_of(text, "qametrics_eval_flaky_cases", **agent)[0][2] == 1
    assert samples_of(text, "qametrics_eval_pass_ratio", **agent)[0][2] == pytest.approx(0.875)
    # refund: C(3,2)/C(4,2) = 0.5, hours: 1
    (hat,) = samples_of(text, "qametrics_eval_pass_hat_k_ratio", k="2", **agent)
    assert hat[2] == pytest.approx(0.75)
    (at,) = samples_of(text, "qametrics_eval_pass_at_k_ratio", k="2", **agent)
    assert at[2] == pytest.approx(1.0)
    (verdict,) = samples_of(text, "qametrics_slo_verdict", slo="evals.pass^2", verdict="pass")
    assert verdict[2] == 1
