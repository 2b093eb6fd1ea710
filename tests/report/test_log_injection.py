"""Names from tests cannot inject lines, terminal escapes or workflow commands, nor break JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

OPERATION = "GET /x\n::stop-commands::qa1\n::notice::all SLOs met\x1b[2J\x07\x00\r"


def test_a_hostile_operation_name_prints_as_one_escaped_line_and_junit_parses(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    pytester.makepyfile(
        test_hostile=f"""
        import pytest

        @pytest.mark.slo(p95=0.001, operation={OPERATION!r})
        def test_hostile(latency_tracker):
            latency_tracker.record({OPERATION!r}, 0.5, region={OPERATION!r})
        """
    )

    result = pytester.runpytest_subprocess("-p", "no:randomly", "--junitxml=junit.xml")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = "\n".join(result.outlines)
    for raw in ("\x1b", "\x07", "\x00", "\r"):
        assert raw not in out
    assert [line for line in result.outlines if line.startswith("::")] == [
        line for line in result.outlines if line.startswith("::error ")
    ]
    assert any(line.startswith("::error ") for line in result.outlines)
    result.stdout.fnmatch_lines(
        [r"FAIL     test_hostile.py::test_hostile", r"         latency?operation=GET /x\n::stop*"]
    )
    suite = ET.parse(pytester.path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    names = [p.get("name") or "" for p in suite.iter("property")]
    assert any(
        r"GET /x\n::stop-commands::qa1\n::notice::all SLOs met\x1b[2J\x07\x00\r" in n for n in names
    )
