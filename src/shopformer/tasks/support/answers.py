"""Answer retrieval: a customer question → the shop's FAQ entries and past agent answers
that answer it, each with a confidence the assistant can act on.

Candidates come from three lists merged by reciprocal rank: the question against the known
questions (n-gram TF-IDF cosine), against the known answers (a question's words often
reappear in its answer), and BM25 over question and answer together. A `QuestionMatcher`,
when given, then reads the question beside each candidate's known question and its
calibrated P(same question) is the confidence; without one the confidence is the larger
of the question↔question and question↔answer cosines, which ranks but is not a
probability.

Past agent answers are reused only when they hold nothing specific to one customer
(`shopformer.tasks.past_answers.is_specific`), and an answer about what its customer named
("The Foldable Phone Max has a one-year warranty") only for a question naming it too: it
was given to "what's the warranty on headphones?".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from shopformer.core.errors import ConfigError, InputError, Location
from shopformer.core.files import json_lines
from shopformer.storage.base import Store
from shopformer.tasks.past_answers import is_specific, past_answers, repeated_run, said_in
from shopformer.tasks.reviews.ngrams import NgramConfig, NgramVectorizer
from shopformer.tasks.search.analyze import Analyzer
from shopformer.tasks.search.fusion import reciprocal_rank_fusion, top_indices
from shopformer.tasks.search.lexical import TermIndex
from shopformer.tasks.support.matching import QuestionMatcher


@dataclass(frozen=True)
class KnownAnswer:
    question: str
    answer: str
    source: str  # "faq", or "conversation:<id>" for a past agent answer
    # what the past customer named and the answer repeats ("the Foldable Phone Max"): the
    # answer is true of that only, so it answers only a question naming it too
    only_for: str = ""
    intent: str = ""  # an FAQ entry's intent: the answer to every message of that intent


@dataclass(frozen=True)
class AnswerMatch:
    known: KnownAnswer
    confidence: float  # calibrated P(same question) with a matcher, else the cosine
    calibrated: bool

    def to_dict(self) -> dict:
        return {"question": self.known.question, "answer": self.known.answer,
                "source": self.known.source, "confidence": round(self.confidence, 4),
                "calibrated": self.calibrated}


class AnswerIndex:
    def __init__(self, known: Iterable[KnownAnswer], matcher: QuestionMatcher | None = None,
                 *, candidates: int = 20, fusion_k: int = 60) -> None:
        self.known = [_checked(k, row) for row, k in enumerate(known, start=1)]
        if not self.known:
            raise ConfigError("answers: give at least one known question and answer "
                              "(an FAQ entry or a past conversation)")
        if candidates < 1:
            raise ConfigError("answers: candidates must be at least 1")
        self.matcher = matcher
        self.candidates = candidates
        self.fusion_k = fusion_k
        questions = [k.question for k in self.known]
        answers = [k.answer for k in self.known]
        self.vectorizer = NgramVectorizer(NgramConfig(min_count=1)).fit(questions + answers)
        self.question_vectors = self.vectorizer.transform(questions)
        self.answer_vectors = self.vectorizer.transform(answers)
        self.analyzer = Analyzer()
        self.terms = TermIndex([[self.analyzer.terms(q), self.analyzer.terms(a)]
                                for q, a in zip(questions, answers, strict=True)], (1.0, 0.5))

    def find(self, question: str, k: int = 3) -> list[AnswerMatch]:
        """The `k` known answers most likely to answer `question`, best first."""
        if not isinstance(question, str) or not question.strip():
            raise ConfigError("answers: the question must be non-empty text")
        if k < 1:
            raise ConfigError("answers: k must be at least 1")
        vector = self.vectorizer.transform([question])
        to_questions = np.asarray((self.question_vectors @ vector.T).todense()).ravel()
        to_answers = np.asarray((self.answer_vectors @ vector.T).todense()).ravel()
        bm25 = self.terms.score(self.analyzer.terms(question))
        every = (to_questions, to_answers, bm25)
        pool = np.unique(np.concatenate([top_indices(s, self.candidates) for s in every]))
        if not len(pool):
            return []
        fused = pool[reciprocal_rank_fusion(
            [np.argsort(-s[pool], kind="stable") for s in every],
            self.fusion_k)]
        fused = np.array([i for i in fused if not self.known[i].only_for
                          or said_in(self.known[i].only_for, question)], np.int64)
        if not len(fused):
            return []
        if self.matcher is None:
            closeness = np.maximum(to_questions, to_answers)
            order = fused[np.argsort(-closeness[fused], kind="stable")][:k]
            return [AnswerMatch(self.known[i], float(closeness[i]), False) for i in order]
        p = self.matcher.probability([question] * len(fused),
                                     [self.known[i].question for i in fused])
        best = np.argsort(-p, kind="stable")[:k]
        return [AnswerMatch(self.known[fused[i]], float(p[i]), True) for i in best]


def conversation_answers(store: Store) -> list[KnownAnswer]:
    """(customer message, the agent's next answer) of the store's conversations, where
    the answer holds nothing specific to that one customer."""
    return [KnownAnswer(a.customer, a.agent, f"conversation:{a.conversation_id}",
                        repeated_run(a))
            for a in past_answers(store) if not is_specific(a.agent)]


def faq_answers(entries: Sequence[dict], file: str | None = None) -> list[KnownAnswer]:
    """FAQ entries {"question": …, "answer": …, optional "variants": [other phrasings],
    optional "intent": the intent it answers} → one known answer per phrasing (`file`:
    where the entries come from, for errors)."""
    out = []
    for row, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise InputError("an FAQ entry must be an object with question and answer",
                             Location(file, row=row))
        variants = entry.get("variants") or []
        if not isinstance(variants, list):
            raise InputError("variants must be a list of questions",
                             Location(file, row=row, field="variants"))
        intent = entry.get("intent") or ""
        if not isinstance(intent, str):
            raise InputError("intent must be the name of an intent",
                             Location(file, row=row, field="intent"))
        for question in [entry.get("question"), *variants]:
            out.append(_checked(KnownAnswer(question, entry.get("answer"), "faq",
                                            intent=intent.strip()), row, file))
    return out


def faq_from_file(path: Path) -> list[KnownAnswer]:
    """The shop's FAQ file: one JSON entry per line (`faq_answers`); blank lines skipped."""
    known = []
    for row, entry in json_lines(path, "the FAQ file"):  # errors name the file's own line
        try:
            known += faq_answers([entry], str(path))
        except InputError as error:
            raise InputError(error.reason, replace(error.location, row=row)) from None
    return known


def _checked(known: KnownAnswer, row: int, file: str | None = None) -> KnownAnswer:
    for name in ("question", "answer"):
        value = getattr(known, name)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{name} must be non-empty text",
                             Location(file, row=row, field=name))
    return known

