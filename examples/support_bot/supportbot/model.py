"""The intent classifier: TF-IDF features and logistic regression, trained at start-up."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

__all__ = ["DATA_DIR", "IntentModel", "LabelledQuery", "load_queries", "with_label_noise"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
INTENTS_CSV = DATA_DIR / "intents.csv"


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    """One customer query and the intent a person gave it."""

    text: str
    intent: str


def load_queries(split: str, path: Path = INTENTS_CSV) -> list[LabelledQuery]:
    """Return the queries of one split (``train`` or ``eval``) of the shipped dataset."""
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    chosen = [LabelledQuery(row["text"], row["intent"]) for row in rows if row["split"] == split]
    if not chosen:
        raise ValueError(f"{path} has no rows with split={split!r}; use 'train' or 'eval'")
    return chosen


def with_label_noise(labels: list[str], fraction: float, seed: int = 7) -> list[str]:
    """Shuffle the labels of a random ``fraction`` of the rows among themselves (seeded)."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"label noise must be a fraction between 0 and 1, not {fraction}")
    rng = random.Random(seed)
    noisy = list(labels)
    chosen = rng.sample(range(len(labels)), round(fraction * len(labels)))
    shuffled = [labels[i] for i in chosen]
    rng.shuffle(shuffled)
    for index, label in zip(chosen, shuffled, strict=True):
        noisy[index] = label
    return noisy


def _pipeline() -> Pipeline:
    """Word uni- and bigrams for meaning, character n-grams for typos and word forms."""
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    return make_pipeline(features, LogisticRegression(C=20.0, max_iter=1000))


class IntentModel:
    """Predicts a customer query's intent and how sure it is (the top class probability)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self.intents: list[str] = [str(c) for c in pipeline.classes_]

    @classmethod
    def train(cls, queries: list[LabelledQuery], label_noise: float = 0.0) -> IntentModel:
        """Fit a new pipeline on ``queries`` after shuffling a ``label_noise`` share of labels."""
        labels = with_label_noise([q.intent for q in queries], label_noise)
        pipeline = _pipeline()
        # One BLAS thread: on a busy machine OpenBLAS's spinning threads make this tiny fit
        # take seconds instead of a fraction of one.
        with threadpool_limits(limits=1):
            pipeline.fit([q.text for q in queries], labels)
        return cls(pipeline)

    def predict(self, text: str) -> tuple[str, float]:
        """Return the most likely intent and its probability."""
        probabilities: Any = self._pipeline.predict_proba([text])[0]
        best = int(probabilities.argmax())
        return self.intents[best], float(probabilities[best])
