"""The inline SVG charts: drawn from model data alone, escaped, and robust to odd samples."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from pytest_qametrics.report.charts import Marker, bar_chart, confusion_heatmap, latency_chart
from pytest_qametrics.report.distribution import distribution
from pytest_qametrics.samples.population import LatencySamples

SVG = "{http://www.w3.org/2000/svg}"


def _shape(values: list[float]) -> dict[str, object]:
    samples = LatencySamples(np.array(values), np.empty(0), {})
    shape = distribution(samples)
    assert shape is not None
    return shape


def _parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def test_a_latency_chart_draws_bars_the_cdf_and_each_threshold() -> None:
    marker = Marker(0.05, "p95 \u2264 50 ms", "fail", observed=0.08, quantile=0.95)
    svg = latency_chart(_shape([0.01 * i for i in range(1, 11)]), [marker], "checkout")

    assert svg is not None
    root = _parsed(svg)
    classes = [element.get("class") for element in root.iter()]
    assert {"bars", "cdf", "mk mk-fail mk-line", "mk mk-fail mk-dot"} <= set(classes)
    assert root.findtext(f"{SVG}title") == "checkout"
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "p95 \u2264 50 ms" in labels
    assert "100%" in labels


def test_a_threshold_far_from_the_samples_still_lands_inside_the_chart() -> None:
    svg = latency_chart(_shape([0.001, 0.002]), [Marker(30.0, "max \u2264 30 s", "pass")], "op")

    assert svg is not None
    [line] = [p for p in _parsed(svg).iter(f"{SVG}path") if "mk-line" in (p.get("class") or "")]
    x = float((line.get("d") or "").split()[0][1:])
    assert 46 <= x <= 554


@pytest.mark.parametrize("values", [[0.0, 0.0], [0.0]])
def test_only_zero_durations_have_no_log_chart(values: list[float]) -> None:
    assert latency_chart(_shape(values), [], "op") is None


def test_one_repeated_value_gets_a_chart() -> None:
    assert latency_chart(_shape([0.2] * 5), [], "op") is not None


def test_the_heatmap_escapes_labels_and_shades_hits_and_misses_apart() -> None:
    labels = ["<script>alert(1)</script>", "b"]
    svg = confusion_heatmap(labels, [[3, 1], [0, 4]], "matrix")

    assert "<script>" not in svg
    cells = list(_parsed(svg).iter(f"{SVG}rect"))
    assert [c.get("class") for c in cells] == [
        "hm-cell hm-hit",
        "hm-cell hm-miss",
        "hm-cell hm-miss",
        "hm-cell hm-hit",
    ]
    assert [c.get("fill-opacity") for c in cells] == ["0.78", "0.34", "0.00", "1.00"]


def test_a_heatmap_of_many_classes_shrinks_its_cells_and_drops_the_counts() -> None:
    labels = [f"class-{i}" for i in range(40)]
    matrix = np.eye(40, dtype=int).tolist()

    root = _parsed(confusion_heatmap(labels, matrix, "matrix"))

    assert len(list(root.iter(f"{SVG}rect"))) == 1600
    assert not [t for t in root.iter(f"{SVG}text") if t.get("class") == "hm-ink-light"]


def test_bars_are_largest_first_with_count_and_share() -> None:
    root = _parsed(bar_chart({"b": 1, "a": 3, "c": 1}, "outcomes"))

    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["a", "3 \u00b7 60%", "b", "1 \u00b7 20%", "c", "1 \u00b7 20%"]
