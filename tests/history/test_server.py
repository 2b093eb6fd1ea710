"""A real PostgreSQL server as the history: URL forms, passwords never shown, and failures that
cost a run nothing but its history."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from pytest_qametrics.history.backends.postgres import LOCK_KEY
from pytest_qametrics.history.records import RunRecord
from pytest_qametrics.history.schema import SCHEMA_VERSION
from pytest_qametrics.history.store import HistoryError, HistoryStore
from pytest_qametrics.history.target import parse_target, redact

from .pgserver import USER, PgServer
from .projects import checkout_suite, read_report, slo_section, write_ini
from .test_store import a_run

GROUP = "test_api.py::test_checkout"


def test_passwords_are_hidden_in_urls_keywords_and_queries() -> None:
    assert (
        redact("postgresql://ann:s3cr%40t@db:5432/h failed")
        == "postgresql://ann:***@db:5432/h failed"
    )
    assert redact("host=db password='a b c' user=ann") == "host=db password=*** user=ann"
    assert (
        redact("postgres://db/h?user=ann&password=hunter22")
        == "postgres://db/h?user=ann&password=***"
    )
    assert redact("the secret hunter22 leaked", "hunter22") == "the secret *** leaked"
    target = parse_target("postgresql://ann:hunter22@db.internal:6543/qa?sslmode=require")
    assert target.shown == "postgresql://ann@db.internal:6543/qa"
    assert target.hide("auth for hunter22 failed") == "auth for *** failed"
    assert parse_target("service=qa-history").shown == "service=qa-history"
    short = parse_target("postgres://ann:pw-123@db/qa")
    assert (short.kind, short.shown, short.hide("x pw-123 y")) == (
        "postgresql",
        "postgresql://ann@db/qa",
        "x *** y",
    )
    assert parse_target("h.db", Path("/x")).path == Path("/x/h.db")


def test_two_runs_record_into_the_server_and_the_second_compares_with_the_first(
    pytester: pytest.Pytester, pg_server: PgServer
) -> None:
    url = pg_server.url(pg_server.new_database())
    shown = f"postgresql://{USER}@127.0.0.1:{pg_server.port}/"
    checkout_suite(pytester, factor=1.0, seed=1)
    first = pytester.runpytest(f"--qametrics-history={url}")
    checkout_suite(pytester, factor=1.3, seed=2)
    second = pytester.runpytest(f"--qametrics-history={url}", "--qametrics-report")

    first.stdout.fnmatch_lines([f"qametrics: recorded run 1 in {shown}*"])
    assert second.ret == pytest.ExitCode.TESTS_FAILED
    second.stdout.fnmatch_lines(
        [
            "*p95 +*% vs baseline run 1 (* ms -> * ms; p<0.001, bootstrap of histograms)",
            f"qametrics: recorded run 2 in {shown}*",
        ]
    )
    report = read_report(pytester.path / "qametrics-report")
    assert [p["run"] for p in next(iter(report["trends"].values()))] == [1, 2]
    everything = "\n".join([*first.outlines, *second.outlines, *second.errlines])
    assert pg_server.password not in everything


def test_the_password_may_come_from_pgpassword_a_pgpass_file_or_a_service(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = pg_server.new_database()
    bare = f"postgresql://{USER}@127.0.0.1:{pg_server.port}/{database}"
    monkeypatch.setenv("PGPASSWORD", pg_server.password)
    with HistoryStore(bare) as store:
        assert store.schema_version == SCHEMA_VERSION
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg_server.port}:{database}:{USER}:{pg_server.password}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[qa-history]\nhost=127.0.0.1\nport={pg_server.port}\ndbname={database}\nuser={USER}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    with HistoryStore("service=qa-history") as store:
        assert store.path == "service=qa-history"
        store.add_run(_minimal_run())
    with HistoryStore(bare) as store:
        assert [r.id for r in store.runs()] == [1]


def _minimal_run() -> RunRecord:
    return a_run()


def _newer_schema(server: PgServer) -> str:
    url = server.url(server.new_database())
    with HistoryStore(url) as store:
        store._query(f"UPDATE schema_version SET version = {SCHEMA_VERSION + 1}")
    return url


FAILURES: dict[str, tuple[Callable[[PgServer], str], str]] = {
    "server down": (
        lambda s: s.url("postgres", port=_closed_port()),
        "cannot connect to the history database postgresql://qa_writer@127.0.0.1:*/postgres: "
        "*refused*",
    ),
    "wrong password": (
        lambda s: s.url(s.new_database(), password="not-the-password"),
        "cannot connect to the history database postgresql://qa_writer@127.0.0.1:*/history_*: "
        "*password authentication failed for user*qa_writer*",
    ),
    "missing database": (
        lambda s: s.url("no_such_history"),
        "cannot connect to the history database postgresql://qa_writer@127.0.0.1:*/"
        "no_such_history: *database*no_such_history*does not exist*",
    ),
    "newer schema": (
        _newer_schema,
        f"postgresql://qa_writer@127.0.0.1:*/history_* has history schema version "
        f"{SCHEMA_VERSION + 1}, but this pytest-qametrics reads versions up to "
        f"{SCHEMA_VERSION}; upgrade pytest-qametrics to use it",
    ),
}


def _closed_port() -> int:
    from .pgserver import _free_port

    return _free_port()


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_an_unusable_server_is_one_error_line_and_the_run_goes_on(
    pytester: pytest.Pytester, pg_server: PgServer, failure: str
) -> None:
    make_url, reason = FAILURES[failure]
    url = make_url(pg_server)
    _assert_history_failure(pytester, url, reason, pg_server.password, "not-the-password")


def test_a_migration_lock_held_past_the_timeout_is_one_error_line(
    pytester: pytest.Pytester, pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = pg_server.new_database()
    monkeypatch.setenv("QAMETRICS_HISTORY_TIMEOUT", "1")
    with pg_server.admin(database) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        _assert_history_failure(
            pytester,
            pg_server.url(database),
            "the history database postgresql://qa_writer@127.0.0.1:*/history_* stayed locked by "
            "another process (a migration) for more than 1 s: *lock timeout*",
            pg_server.password,
        )


def _assert_history_failure(
    pytester: pytest.Pytester, url: str, reason: str, *secrets: str
) -> None:
    write_ini(pytester, "qametrics_no_data = warn")
    checkout_suite(pytester, slo="p95=1.0, p95_regression='10%'")
    plain = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=plain")
    broken = pytester.runpytest(
        f"--qametrics-history={url}", "--qametrics-report", "--qametrics-report-dir=broken"
    )
    assert plain.ret == broken.ret == pytest.ExitCode.OK
    expected = (
        f"ERROR    qametrics history: {reason}; the run was not recorded (its reports and exit "
        "code are as without --qametrics-history)"
    )
    broken.stdout.fnmatch_lines([expected])
    report = read_report(pytester.path / "broken")
    slos = report["slos"]
    assert [slo["verdict"] for slo in slos] == ["pass", "no_data"]
    assert slos[1]["reason"].startswith("the history postgresql://qa_writer@127.0.0.1:")
    assert "could not be read (" in slos[1]["reason"]
    assert slo_section(broken)[1] == f"PASS     {GROUP}"
    shown = "\n".join([*broken.outlines, *broken.errlines])
    shown += (pytester.path / "broken" / "report.json").read_text("utf-8")
    shown += (pytester.path / "broken" / "report.html").read_text("utf-8")
    for secret in secrets:
        assert secret not in shown


def test_a_missing_driver_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(HistoryError, match=r"pip install 'pytest-qametrics\[postgresql\]'"):
        HistoryStore("postgresql://qa@127.0.0.1:1/h")


def test_another_programs_schema_version_table_is_not_taken_over(pg_server: PgServer) -> None:
    database = pg_server.new_database()
    url = pg_server.url(database)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE schema_version (version INTEGER)")
    with pytest.raises(HistoryError, match="schema_version table is another program's"):
        HistoryStore(url)


def test_commands_name_the_server_without_its_password(
    pg_server: PgServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_qametrics.cli import main

    url = pg_server.url(pg_server.new_database(), password="wrong-secret-123")
    for verb in (["list"], ["prune", "--keep-last", "1"], ["report", "--markdown", "/dev/null"]):
        assert main(["history", verb[0], url, *verb[1:]]) == 2
        err = capsys.readouterr().err
        assert err.startswith(
            f"qametrics history {verb[0]}: error: cannot connect to the history database "
            f"postgresql://qa_writer@127.0.0.1:{pg_server.port}/history_"
        )
        assert "password authentication failed" in err
        assert "wrong-secret-123" not in err
