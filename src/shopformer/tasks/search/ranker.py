"""Search: hybrid retrieval, then a learned ranker on query, item and person features.

Retrieval never returns an empty page while anything is near: BM25 over the item fields
(corrected query plus related terms), character trigrams (spelling-tolerant) and the items
shoppers chose after the same query before are fused by reciprocal rank, with dense text
vectors when the shop model has them. The ranker is a
listwise network (model/heads/ranking.py) trained from searches followed by clicks, carts
and purchases, or from graded relevance labels where a shop has them.
"""

from __future__ import annotations

import json
import logging
import math
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from shopformer.core.errors import ConfigError, InputError, Location, NotFittedError
from shopformer.index.vectors import VectorIndex
from shopformer.model.heads.ranking import RankingEnsemble, RankingHead
from shopformer.tasks.search.analyze import Analyzer, AnalyzerConfig
from shopformer.tasks.search.catalog import FIELDS, SearchCatalog, SearchFilters
from shopformer.tasks.search.features import (
    FEATURES,
    CandidateSignals,
    ItemTable,
    QueryScores,
    candidate_features,
    product_type_term,
)
from shopformer.tasks.search.fusion import reciprocal_rank_fusion, top_indices
from shopformer.tasks.search.history import QueryHistory
from shopformer.tasks.search.lexical import CharIndex, TermIndex, bigrams
from shopformer.tasks.search.query import ParsedQuery, QueryUnderstanding
from shopformer.tasks.search.sorting import check_sort, price_order
from shopformer.tasks.search.spelling import Speller
from shopformer.tasks.search.synonyms import RelatedTerms, SynonymConfig
from shopformer.tasks.search.trail import SearchTrail

log = logging.getLogger(__name__)
FORMAT_VERSION = 5
LIVE_TRAILS = 100_000  # open search sessions remembered by `observe`
LIVE_CREDITS = 1_000_000  # (query, item, person) gains remembered by `observe`
# Affinity of a person for every catalog item (N,), or None for someone unknown.
PersonScores = Callable[[str], "np.ndarray | None"]
# Text → vectors (N, D), e.g. the shop model's text encoder (`ShopModelBundle.text_vectors`).
TextVectors = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class SearchConfig:
    candidates: int = 200  # retrieved per query, then ranked
    # Queries and item texts read in Simplified characters: 防曬霜 finds 防晒霜 (a model saved
    # before this setting reads them as written: its terms learned from the log are).
    simplified_chinese: bool = True
    field_weights: tuple[float, ...] = (1.0, 0.8, 0.5, 0.3, 0.3)  # FIELDS order
    spelling: bool = True
    related: SynonymConfig = field(default_factory=SynonymConfig)
    fusion_k: int = 60
    hidden: int = 128
    dropout: float = 0.1
    gain_weight: float = 1.0  # pointwise gain loss beside the listwise one (0: order only)
    learning_rate: float = 2e-3
    epochs: int = 40
    patience: int = 6
    batch_queries: int = 64
    validation_share: float = 0.1  # training queries held out to choose the epoch
    seed: int = 0
    heads: int = 3  # heads trained from seeds seed, seed + 1, …; their scores averaged
    # After the held-out queries chose each head's epoch count, train the head again from
    # its seed on every training query, the held-out ones included, for that many epochs.
    refit_heads: bool = True
    # "retrieved": learn to rank what retrieval finds (a search engine); "judged": learn to
    # order the judged items only (re-ranking a given pool).
    lists: str = "retrieved"
    train_rows: int = 200  # candidates per training list (all with a gain are kept)
    # The person's taste on top of the learned order (the network never sees it: see
    # `_training_list`), in units of the spread of the ranker's scores within a list,
    # times their affinity clipped to ±1 standard deviation: it lets taste decide between
    # equally good matches, which search logs rarely teach, and never more.
    personal_weight: float = 0.5
    # Dense neighbours below this cosine are not "near": a nonsense query stays empty.
    dense_floor: float = 0.5
    # A query that no item matches by a word (or a related word learned from the log), by
    # character grams at this cosine (typos, 跑鞋 → 跑步鞋), or by what shoppers chose after
    # it, gets only the dense neighbours that stand out from the whole catalog (see
    # `_standing_out`). On the demo shop "猫粮" (cat food, which it does not sell) found
    # 200 items, sunscreen and crisps first: its text vectors put every Chinese query above
    # `dense_floor` of most items.
    char_floor: float = 0.1
    # ... and only when each of its words has at least this share of its character grams in
    # one catalog word (`CharIndex.spelt_like`): "tent" (against "tea") and "printer ink"
    # (against "spring" / "drink") are then nothing the demo sells, not its drinks. Of
    # Home Depot's 7,615 training and validation terms, 109 match no word; this floor
    # leaves out 25 of them, 3 with a relevant product in their top 10 by grams.
    spelt_floor: float = 0.5
    # Character grams retrieve only items at this share of the best item's gram cosine:
    # a gram or two in common ("ear" of "earbuds" in "ClearSpring") is no match, and with
    # a price filter that leaves out every earbud it filled the page with drinks.
    char_share: float = 0.3
    # Read price limits typed into a query ("耳机 100元以下", "under $50") as a price filter
    # (`price_words.py`).
    query_prices: bool = True

    def __post_init__(self) -> None:
        if len(self.field_weights) != len(FIELDS):
            raise ConfigError(f"field_weights needs {len(FIELDS)} numbers, one per field "
                              f"{FIELDS}, got {len(self.field_weights)}")
        if self.candidates < 10:
            raise ConfigError("candidates must be at least 10")
        if self.lists not in ("retrieved", "judged"):
            raise ConfigError(f"lists must be 'retrieved' or 'judged', not {self.lists!r}")
        if self.heads < 1:
            raise ConfigError("heads must be at least 1")
        if not 0 < self.validation_share < 0.5:
            raise ConfigError("validation_share must be between 0 and 0.5")


@dataclass(frozen=True)
class Judgment:
    """One graded (query, item) pair: a click, a purchase or a human label. `person_id` and
    `gain` ≥ 0; pairs of the same query and person form one list to rank."""

    query: str
    item_id: str
    gain: float
    person_id: str | None = None


@dataclass(frozen=True)
class SearchHit:
    item_id: str
    score: float
    title: str
    price: float | None = None  # None: the catalog gives none


@dataclass(frozen=True)
class SearchResult:
    query: ParsedQuery
    hits: list[SearchHit]
    matches: int  # candidates that passed the filters
    facets: dict[str, list[tuple[str, int]]]
    notes: list[str]  # e.g. "showing results for …"


class SearchRanker:
    def __init__(self, config: SearchConfig | None = None) -> None:
        self.config = config or SearchConfig()
        self.person_scores: PersonScores | None = None
        self._dense_sample: np.ndarray | None = None
        # live events (`observe`): the last search of each (person, session), its query
        # keyed as the history keys it, and the gain already credited per (query, item,
        # person); both forget their oldest entries
        self._trails: OrderedDict[tuple[str, str], SearchTrail] = OrderedDict()
        self._credited: OrderedDict[tuple[str, int, str], float] = OrderedDict()

    # --- building ---------------------------------------------------------------------
    def index(self, items: Iterable[Mapping[str, object]], *, queries: Iterable[str] = (),
              popularity: Mapping[str, float] | None = None,
              reviews: Mapping[str, tuple[float, float, float]] | None = None,
              text_vectors: TextVectors | None = None) -> SearchRanker:
        """Build the lexical indexes over the catalog. `queries` (the search log) add to
        the words spelling correction knows; `popularity`: item_id → engagements;
        `reviews`: item_id → (reviews, positive share, worst aspect's positive share), ""
        → the values for items without reviews (`ItemReviewSignals.for_ranking()`);
        `text_vectors` turns on dense retrieval (item texts into a faiss index)."""
        self.catalog_ = SearchCatalog(items)
        self.text_vectors = text_vectors
        self.dense_ = None
        if text_vectors is not None:
            self.dense_ = VectorIndex(np.asarray(text_vectors(self._dense_texts())))
        self._dense_sample: np.ndarray | None = None  # drawn on first use (_standing_out)
        self.analyzer_ = Analyzer(AnalyzerConfig(
            simplified_chinese=self.config.simplified_chinese))
        texts = self.catalog_.texts
        analyzed = [[self.analyzer_.terms(texts[name][i]) for name in FIELDS]
                    for i in range(len(self.catalog_))]
        self.terms_ = TermIndex(analyzed, self.config.field_weights)
        self.pairs_ = TermIndex([[bigrams(doc[0])] for doc in analyzed], [1.0])
        self.trigrams_ = CharIndex([self.analyzer_.words(f"{texts['title'][i]} "
                                                         f"{texts['brand'][i]}")
                                    for i in range(len(self.catalog_))])
        self.speller_ = None
        if self.config.spelling:
            self.speller_ = Speller.from_texts([*texts["title"], *texts["brand"],
                                                *texts["category"], *texts["description"],
                                                *queries])
        self.related_ = RelatedTerms(self.config.related)
        counts = np.zeros(len(self.catalog_))
        for item_id, count in (popularity or {}).items():
            if item_id in self.catalog_.position:
                counts[self.catalog_.position[item_id]] = count
        brands = [self._brand_term(i, analyzed[i]) for i in range(len(self.catalog_))]
        types = [product_type_term(title, self.analyzer_.terms) for title in texts["title"]]
        self.items_ = ItemTable(np.array([len(doc[0]) for doc in analyzed], np.float32),
                                np.array(brands, dtype=object), np.array(types, dtype=object),
                                counts, self.catalog_.prices,
                                self._review_table(reviews or {}))
        self.understanding_ = QueryUnderstanding(self.analyzer_, self.speller_, self.related_,
                                                 prices=self.config.query_prices)
        self.history_ = QueryHistory(texts["category"])
        return self

    def _review_table(self, reviews: Mapping[str, tuple[float, float, float]]) -> np.ndarray:
        table = np.tile(np.asarray(reviews.get("", (0.0, 0.5, 0.5)), np.float32),
                        (len(self.catalog_), 1))
        for item_id, values in reviews.items():
            if len(values) != 3:
                raise ConfigError(f"reviews[{item_id!r}]: need (reviews, positive share, "
                                  f"worst aspect share), got {values!r}")
            if item_id in self.catalog_.position:
                table[self.catalog_.position[item_id]] = values
        return table

    def _dense_texts(self) -> list[str]:
        texts = self.catalog_.texts
        return [" ".join(part for part in (texts["title"][i], texts["brand"][i],
                                           texts["category"][i]) if part)
                for i in range(len(self.catalog_))]

    @staticmethod
    def _brand_term(i: int, analyzed: list[tuple[str, ...]]) -> str:
        brand, title = analyzed[1], analyzed[0]
        return (brand or title or ("",))[0]

    def fit(self, judgments: Iterable[Judgment], person_scores: PersonScores | None = None,
            show_progress: bool = False, log_until: datetime | None = None) -> SearchRanker:
        """Learn related terms and the ranker from graded pairs. Items never judged for a
        query count as gain 0 for it (not clicked, or judged irrelevant). `log_until`: the
        time of the newest event the judgments were read from, saved so that a loaded
        engine can replay what came after (`from_store.replay_searches`). No judgments: an
        engine that ranks by word match (`learned` False)."""
        self._check_indexed()
        self.person_scores = person_scores
        self.log_until_ = None if log_until is None else log_until.isoformat()
        judgments = list(judgments)
        if not judgments:
            return self._unlearned()
        lists = self._group(judgments)
        queries = sorted({query for query, _ in lists})
        self.history_ = QueryHistory(self.catalog_.texts["category"])
        keys = {query: QueryHistory.key(self.understanding_.parse(query).terms)
                for query in queries}
        by_key: dict[str, list[Mapping[int, float]]] = {}
        for (query, _), gains in lists.items():
            by_key.setdefault(keys[query], []).append(gains)
        self.history_.add_lists(by_key)
        np.random.default_rng(self.config.seed).shuffle(queries)
        held = set(queries[:max(1, int(len(queries) * self.config.validation_share))])
        fold = {query: i % 2 for i, query in enumerate(q for q in queries if q not in held)}
        train_keys = [k for k in sorted(lists) if k[0] not in held]
        valid_keys = [k for k in sorted(lists) if k[0] in held]
        # Related terms are learned from the judgments themselves, so a training list sees
        # only terms learned from the other half of the training queries (out of fold), as
        # a new query would; otherwise the ranker trusts them far too much.
        other_half = [RelatedTerms(self.config.related).fit(self._term_pairs(
            {k: v for k, v in lists.items() if fold.get(k[0], f) != f})) for f in (0, 1)]
        train = []
        for key in _progress(train_keys, show_progress, "search lists"):
            self.understanding_.related = other_half[fold[key[0]]]
            train.append(self._training_list(key, lists[key]))
        self.understanding_.related = self.related_.fit(self._term_pairs(
            {k: lists[k] for k in train_keys}))
        valid = [self._training_list(k, lists[k]) for k in valid_keys]
        train = [t for t in train if t is not None and t[1].sum() > 0]
        valid = [t for t in valid if t is not None and t[1].sum() > 0]
        if not train:
            raise ConfigError("no judged item was retrieved for any training query: "
                              "check that the judgments' item ids are in the catalog")
        self._fit_head(train, valid)
        self.related_.fit(self._term_pairs(lists))  # answering uses every query's evidence
        return self

    def _unlearned(self) -> SearchRanker:
        """An engine for a shop with no search log yet: ranked by `_word_match` until there
        are searches to learn from (the server's live searches already fill its history)."""
        self.history_ = QueryHistory(self.catalog_.texts["category"])
        self.head_, self.scale_, self.validation_ndcg_ = None, None, None
        self.score_spread_ = UNLEARNED_SPREAD
        return self

    @property
    def learned(self) -> bool:
        """False for an engine fitted without a search log (`fit([])`)."""
        self._check_fitted()
        return self.head_ is not None

    def _group(self, judgments: Iterable[Judgment]
               ) -> dict[tuple[str, str | None], dict[int, float]]:
        lists: dict[tuple[str, str | None], dict[int, float]] = {}
        for number, j in enumerate(judgments, start=1):
            if not isinstance(j.query, str) or not j.query.strip():
                raise InputError("query is empty", Location(row=number, field="query"))
            if not (isinstance(j.gain, int | float) and math.isfinite(j.gain) and j.gain >= 0):
                raise InputError(f"gain {j.gain!r} must be a number >= 0",
                                 Location(row=number, field="gain"))
            position = self.catalog_.position.get(str(j.item_id))
            if position is None:
                continue  # an item no longer in the catalog cannot be ranked
            gains = lists.setdefault((j.query, j.person_id), {})
            gains[position] = max(gains.get(position, 0.0), float(j.gain))
        if not lists:
            raise ConfigError("no judgment names an item of the catalog")
        return lists

    def _term_pairs(self, lists: Mapping[tuple[str, str | None], dict[int, float]]):
        """Per list (one search): the query's terms and each engaged item's terms, weighted
        by the item's share of the list's gain. A search counts once however many items it
        led to, and an item engaged on the way (browsing on) counts little beside what the
        shopper mostly chose; a query typed by many shoppers is evidence from each."""
        parsed: dict[str, tuple[str, ...]] = {}
        titles: dict[int, tuple[str, ...]] = {}
        for (query, _), gains in lists.items():
            total = sum(g for g in gains.values() if g > 0)
            if total <= 0:
                continue
            if query not in parsed:
                parsed[query] = self.understanding_.parse(query).terms
            for position, gain in gains.items():
                if gain > 0:
                    if position not in titles:
                        titles[position] = self.analyzer_.terms(
                            self.catalog_.texts["title"][position])
                    yield parsed[query], titles[position], gain / total

    def _training_list(self, key: tuple[str, str | None], gains: Mapping[int, float]):
        # Without the person: their live affinity is read now, from a history that already
        # holds what they engaged with after this very search, so a network shown it
        # learns to follow taste over the query (on the demo shop, logged-in shoppers got
        # other categories first for most product names). Taste is added after the
        # network instead (`personal_weight`).
        query = key[0]
        parsed = self.understanding_.parse(query)
        if self.config.lists == "judged":
            pool = np.array(sorted(gains), np.int64)
            scores = self._query_scores(parsed)
            candidates = pool[self._fused_order(scores, pool)]
            features = self._features(parsed, candidates, scores, None, gains)
        else:
            candidates, features = self._candidates(parsed, None, None, gains)
        if not len(candidates):
            return None
        target = np.array([gains.get(int(c), 0.0) for c in candidates], np.float32)
        if self.config.lists == "retrieved" and len(target) > self.config.train_rows:
            # Features come from the whole list (shares, ranks); training sees every gain
            # and the best-fused of the rest, plus a few far down: as good, much faster.
            keep = target > 0
            keep[:self.config.train_rows // 2] = True
            rest = np.flatnonzero(~keep)
            rng = np.random.default_rng(zlib.crc32(query.encode()) + self.config.seed)
            room = max(0, self.config.train_rows - int(keep.sum()))
            keep[rng.choice(rest, min(room, len(rest)), replace=False)] = True
            features, target = features[keep], target[keep]
        return features, target

    def _fit_head(self, train: list, valid: list) -> None:
        stacked = np.concatenate([f for f, _ in train])
        self.scale_ = _Scaler.fit(stacked)
        width = max(len(g) for _, g in train + valid)
        training = _pad([(self.scale_(f), g) for f, g in train], width)
        validation = _pad([(self.scale_(f), g) for f, g in valid], width)
        chosen = [self._train_one_head(self.config.seed + n, training, validation)
                  for n in range(self.config.heads)]
        ensemble = RankingEnsemble([head for head, _ in chosen]).eval()
        x_train, _, m_train = training
        x_valid, g_valid, m_valid = validation
        # Measured before any refit: afterwards the held-out queries are training data.
        self.validation_ndcg_ = (_ndcg_at_10(ensemble, x_valid, g_valid, m_valid)
                                 if len(valid) else 0.0)
        with torch.inference_mode():
            logits = ensemble(x_valid if len(valid) else x_train[:256]).logits
            mask = m_valid if len(valid) else m_train[:256]
            spread = [float(row[keep].std()) for row, keep in zip(logits, mask, strict=True)
                      if keep.sum() > 1]
        self.score_spread_ = float(np.median(spread)) if spread else 1.0
        if self.config.refit_heads and len(valid):
            everything = tuple(torch.cat(pair) for pair in zip(training, validation,
                                                                 strict=True))
            ensemble = RankingEnsemble([
                self._train_one_head(self.config.seed + n, everything, None, epochs)[0]
                for n, (_, epochs) in enumerate(chosen)]).eval()
        self.head_ = ensemble

    def _train_one_head(self, seed: int, training: tuple, validation: tuple | None,
                        epochs: int | None = None) -> tuple[RankingHead, int]:
        """One head and its epoch count, chosen by NDCG@10 on the held-out queries; without
        any (`validation` None or empty) the head of the last of `epochs` epochs."""
        x_train, g_train, m_train = training
        judged = validation is not None and len(validation[0]) > 0
        torch.manual_seed(seed)
        head = RankingHead(len(FEATURES), self.config.hidden, self.config.dropout,
                           self.config.gain_weight)
        optimizer = torch.optim.AdamW(head.parameters(), lr=self.config.learning_rate,
                                      weight_decay=1e-4)
        best, best_state, stale = -1.0, None, 0
        epochs = self.config.epochs if epochs is None else epochs
        generator = torch.Generator().manual_seed(seed)
        for epoch in range(epochs):
            head.train()
            order = torch.randperm(len(x_train), generator=generator)
            for start in range(0, len(order), self.config.batch_queries):
                rows = order[start:start + self.config.batch_queries]
                out = head(x_train[rows], g_train[rows], m_train[rows])
                optimizer.zero_grad()
                out.loss.backward()
                optimizer.step()
            if not judged:
                continue
            score = _ndcg_at_10(head, *validation)
            log.info("search ranker (seed %d) epoch %d: held-out NDCG@10 %.4f", seed,
                     epoch + 1, score)
            if score >= best:  # on a tie the longer-trained head (small validation sets)
                best, epochs, stale = score, epoch + 1, 0
                best_state = {k: v.clone() for k, v in head.state_dict().items()}
            else:
                stale += 1
                if stale >= self.config.patience:
                    break
        if best_state is not None:
            head.load_state_dict(best_state)
        head.eval()
        _fit_gain_output(head, x_train, g_train, m_train)
        return head, epochs

    def update_items(self, items: list[Mapping[str, object]]) -> int:
        """Catalog rows as now stored: a known item's price and channels count at once (its
        words only at the next training, which indexes them). Returns how many items it
        does not know yet."""
        self._check_fitted()
        unknown = 0
        for row in items:
            position = self.catalog_.position.get(str(row["item_id"]))
            if position is None:
                unknown += 1
                continue
            self.catalog_.update(position, row.get("price"), row.get("channels"))
        return unknown

    def observe(self, person_id: str, event: Mapping[str, object]) -> None:
        """A live event (`type`, `session_id`, `query`, `item_id`): a search opens a trail
        in its session, and an engagement later in the same session adds to that query's
        history — the best gain per query, item and person, credited along the trail as
        `search_log` credits them (`trail.py`) —
        so the next search of the same words knows what this shopper chose. Not
        thread-safe with itself: one writer (the server observes under its lock)."""
        self._check_fitted()
        session = event.get("session_id")
        if not session:
            return
        trail = (person_id, str(session))
        if event.get("type") == "search" and event.get("query"):
            self._trails[trail] = SearchTrail(QueryHistory.key(
                self.understanding_.parse(str(event["query"])).terms))
            self._trails.move_to_end(trail)
            _forget_oldest(self._trails, LIVE_TRAILS)
            return
        searched = self._trails.get(trail)
        position = self.catalog_.position.get(str(event.get("item_id")))
        if searched is None or position is None:
            return
        gain = searched.credit(str(event.get("type")), str(event.get("item_id")))
        if gain is None:
            return
        key = searched.query
        credited = (key, position, person_id)
        before = self._credited.get(credited, 0.0)
        if gain > before:
            self.history_.add(key, {position: gain - before})
            self._credited[credited] = gain
            self._credited.move_to_end(credited)
            _forget_oldest(self._credited, LIVE_CREDITS)

    def forget(self, person_id: str) -> None:
        """Drop a person's open trails and credited gains (after erasing them). What they
        added to a query's history stays, as a count without a person in it."""
        for trail in [t for t in self._trails if t[0] == person_id]:
            del self._trails[trail]
        for credited in [c for c in self._credited if c[2] == person_id]:
            del self._credited[credited]

    # --- answering --------------------------------------------------------------------
    def search(self, query: str, k: int = 10, person_id: str | None = None,
               filters: SearchFilters | None = None, sort: str = "relevance"
               ) -> SearchResult:
        """`sort`: "relevance", or "price" / "-price" (low / high first) over the results
        that match the query (`tasks/search/sorting.py`)."""
        self._check_fitted()
        if not isinstance(query, str):
            raise ConfigError("query must be text")
        if not query.strip():  # it "matched nothing" and showed an empty table
            raise ConfigError("the query is empty: type what you are looking for")
        if k < 1:
            raise ConfigError("k must be at least 1")
        check_sort(sort)
        parsed = self.understanding_.parse(query)
        notes = [f"showing results for “{parsed.corrected}”"] if parsed.was_corrected else []
        if parsed.price is not None:
            notes.append(f"{parsed.price.describe()}, read from “"
                         f"{' '.join(parsed.price.phrases)}”")
        filters = _with_typed_price(parsed, filters)
        if filters is None:
            notes.append("nothing matches these filters")
            return SearchResult(parsed, [], 0, {}, notes)
        allowed = self.catalog_.allowed(filters)
        candidates, features = self._candidates(parsed, person_id, allowed)
        if not len(candidates):
            notes.append("nothing matches" + (" these filters" if allowed is not None else ""))
            return SearchResult(parsed, [], 0, {}, notes)
        scores = self._score(features)
        prices = self.catalog_.prices[candidates]
        if sort == "relevance":
            order = np.argsort(-scores, kind="stable")[:k]
        else:
            order, note = price_order(prices, scores,
                                      features[:, FEATURES.index("all_terms")] > 0,
                                      bool(parsed.terms), k, descending=sort == "-price")
            order = order[:k]
            notes.append(note)
        hits = [SearchHit(self.catalog_.ids[candidates[i]], float(scores[i]),
                          self.catalog_.texts["title"][candidates[i]],
                          None if math.isnan(prices[i]) else float(prices[i])) for i in order]
        return SearchResult(parsed, hits, len(candidates), self.catalog_.facets(candidates),
                            notes)

    def rank(self, query: str, item_ids: Sequence[str], person_id: str | None = None
             ) -> np.ndarray:
        """Scores for given items (e.g. a pool to re-rank), higher is better; items outside
        the catalog score -inf."""
        return self._pool(query, item_ids, person_id, gains=False)

    def predict_gain(self, query: str, item_ids: Sequence[str], person_id: str | None = None
                     ) -> np.ndarray:
        """Predicted gain of each given item for the query (NaN outside the catalog)."""
        return self._pool(query, item_ids, person_id, gains=True)

    def _pool(self, query: str, item_ids: Sequence[str], person_id: str | None, gains: bool
              ) -> np.ndarray:
        self._check_fitted()
        parsed = self.understanding_.parse(query)
        positions = np.array([self.catalog_.position.get(str(i), -1) for i in item_ids])
        known = positions >= 0
        out = np.full(len(item_ids), np.nan if gains else -np.inf)
        if known.any():
            scores = self._query_scores(parsed)
            candidates = positions[known]
            # pool order stands in for the fused order: by the fused retrievers' own rank
            fused = self._fused_order(scores, candidates)
            features = self._features(parsed, candidates[fused], scores, person_id)
            ranked = np.empty(len(candidates))
            ranked[fused] = self._score(features, gains)
            out[known] = ranked
        return out

    def explain(self, query: str, item_id: str, person_id: str | None = None,
                filters: SearchFilters | None = None) -> list[str]:
        """Why the item ranks where it does: its rank for the query (under the same filters
        as the search), then the features that lift or sink it most (each feature set to
        the candidates' average, in turn)."""
        self._check_fitted()
        position = self.catalog_.position.get(str(item_id))
        if position is None:
            raise ConfigError(f"unknown item {item_id!r}")
        parsed = self.understanding_.parse(query)
        filters = _with_typed_price(parsed, filters)
        if filters is None:
            return ["nothing matches these filters"]
        allowed = self.catalog_.allowed(filters)
        if allowed is not None and not allowed[position]:
            return ["left out by the filters" + (f" ({parsed.price.describe()})"
                                                  if parsed.price is not None else "")]
        candidates, features = self._candidates(parsed, person_id, allowed)
        where = np.flatnonzero(candidates == position)
        if not len(where):
            return [f"not among the {len(candidates)} items retrieved for “{parsed.corrected}”"]
        scores = self._score(features)
        rank = int((scores > scores[where[0]]).sum()) + 1
        row = features[where[0]]
        base = scores[where[0]]
        effects = []
        for column, name in enumerate(FEATURES):
            changed = features[where].copy()
            changed[0, column] = features[:, column].mean()
            effects.append((base - float(self._score(changed)[0]), name, row[column]))
        effects.sort(key=lambda e: -abs(e[0]))
        reasons = [f"rank {rank} of {len(candidates)} for “{parsed.corrected}”"]
        # an effect under a tenth of the largest is no reason (popularity only breaks ties
        # in the word-match order, and read as one there)
        floor = max(1e-6, 0.1 * abs(effects[0][0]))
        reasons += [_describe(name, value, effect) for effect, name, value in effects[:3]
                    if abs(effect) >= floor]
        return reasons

    # --- inside -----------------------------------------------------------------------
    def _query_scores(self, parsed: ParsedQuery) -> QueryScores:
        bm25 = self.terms_.score(parsed.terms)
        typed = bm25 if parsed.typed_terms == parsed.terms else self.terms_.score(
            parsed.typed_terms)
        related = (self.terms_.score(list(parsed.expansions), list(parsed.expansions.values()))
                   if parsed.expansions else np.zeros_like(bm25))
        dense = None
        if self.dense_ is not None and self.text_vectors is not None and parsed.normalized:
            dense = np.asarray(self.text_vectors([parsed.normalized]))[0]
        return QueryScores(bm25, typed, self.trigrams_.score(parsed.words),
                           self.pairs_.score(bigrams(parsed.terms)), related, dense)

    def _candidates(self, parsed: ParsedQuery, person_id: str | None,
                    allowed: np.ndarray | None, leave_out: Mapping[int, float] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        scores = self._query_scores(parsed)
        size = self.config.candidates
        lexical = top_indices(scores.bm25 + scores.related, size, allowed)
        close = scores.trigram >= self.config.char_share * scores.trigram.max(initial=0.0)
        trigram = top_indices(np.where(close, scores.trigram, 0.0), size, allowed)
        chosen = self.history_.chosen(QueryHistory.key(parsed.terms), size, leave_out)
        # over the whole catalog, not the filtered part: words that match only items the
        # filters leave out still make this a query with matches
        worded = bool((scores.bm25 + scores.related).max(initial=0.0) > 0 or len(chosen)
                      or (scores.trigram.max(initial=0.0) >= self.config.char_floor
                          and self.trigrams_.spelt_like(parsed.words)
                          >= self.config.spelt_floor))
        lists = [lexical, trigram, chosen if allowed is None else chosen[allowed[chosen]]] \
            if worded else []
        if not parsed.terms and parsed.price is not None and allowed is not None:
            # only a price ("100元以下"): what is popular in that range
            lists.append(top_indices(self.items_.popularity + 1e-6, size, allowed))
        if scores.dense_query is not None and self.dense_ is not None:
            nearest, cosines = self.dense_.search(scores.dense_query,
                                                  size if allowed is None else 4 * size)
            keep = cosines > self.config.dense_floor
            # Only the neighbours that stand out when they are all there is, and under a
            # filter: unfiltered, weak neighbours rank below the word matches and stay off
            # the page; when a filter leaves out the word matches ("earbuds under $100"),
            # they became the page (crisps, T-shirts).
            if not worded or allowed is not None:
                keep &= self._standing_out(scores.dense_query, cosines)
            if allowed is not None:
                keep &= allowed[nearest]
            lists.append(nearest[keep][:size])
        candidates = reciprocal_rank_fusion(lists, self.config.fusion_k, limit=size)
        return candidates, self._features(parsed, candidates, scores, person_id, leave_out)

    def _standing_out(self, query: np.ndarray, cosines: np.ndarray) -> np.ndarray:
        """Which of these cosines stand out from the query's cosines to the whole catalog
        (estimated on a fixed sample of up to 2,000 items): z ≥ √(2 ln n) + 1, one standard
        deviation above what the best of n unrelated items reaches by chance. A text
        encoder that knows "couch" means "sofa" clears it; one that finds every query
        about as close to everything does not."""
        n = len(self.dense_)
        if self._dense_sample is None:
            rng = np.random.default_rng(self.config.seed)
            self._dense_sample = np.sort(rng.choice(n, min(n, 2000), replace=False))
        sample = self.dense_.cosines(query, self._dense_sample)
        spread = float(sample.std())
        if spread <= 0:
            return np.zeros(len(cosines), bool)
        return (cosines - float(sample.mean())) / spread >= np.sqrt(2 * np.log(n)) + 1

    def _fused_order(self, scores: QueryScores, candidates: np.ndarray) -> np.ndarray:
        lexical = np.argsort(-(scores.bm25 + scores.related)[candidates], kind="stable")
        trigram = np.argsort(-scores.trigram[candidates], kind="stable")
        return reciprocal_rank_fusion([lexical, trigram], self.config.fusion_k)

    def _features(self, parsed: ParsedQuery, candidates: np.ndarray, scores: QueryScores,
                  person_id: str | None, leave_out: Mapping[int, float] | None = None
                  ) -> np.ndarray:
        """`leave_out`: a training list's own gains, kept out of the query's history and
        the items' popularity."""
        if not len(candidates):
            return np.zeros((0, len(FEATURES)), np.float32)
        ids = self.terms_.ids(parsed.terms)
        signals = CandidateSignals(
            contains=self.terms_.contains(parsed.terms, candidates),
            idf=np.where(ids >= 0, self.terms_.idf[np.maximum(ids, 0)], 0.0),
            history=self.history_.features(QueryHistory.key(parsed.terms), candidates,
                                           leave_out))
        if leave_out:  # the list's own engagements are not yet popularity to learn from
            engaged = np.array([leave_out.get(int(c), 0.0) > 0 for c in candidates])
            signals.popularity = np.maximum(self.items_.popularity[candidates] - engaged, 0)
        if person_id is not None and self.person_scores is not None:
            every = self.person_scores(person_id)
            signals.person = None if every is None else np.asarray(every)[candidates]
        if scores.dense_query is not None and self.dense_ is not None:
            signals.dense = self.dense_.cosines(scores.dense_query, candidates)
        return candidate_features(parsed, candidates, scores, signals, self.items_)

    def _score(self, features: np.ndarray, gains: bool = False) -> np.ndarray:
        if self.head_ is None:
            learned = _word_match(features)
        else:
            with torch.inference_mode():
                x = torch.from_numpy(self.scale_(features))[None]
                if gains:
                    return self.head_.predict_gain(x)[0].numpy()
                learned = self.head_(x).logits[0].numpy()
        # Taste decides between near-equal matches and never lifts a poor match over them:
        # an item moves by at most `personal_weight` spreads of the learned scores.
        taste = np.clip(features[:, FEATURES.index("person")], -1.0, 1.0)
        return learned + self.config.personal_weight * self.score_spread_ * taste

    def _check_indexed(self) -> None:
        if not hasattr(self, "catalog_"):
            raise NotFittedError("call SearchRanker.index(items) first")

    def _check_fitted(self) -> None:
        self._check_indexed()
        if not hasattr(self, "head_"):
            raise NotFittedError("call SearchRanker.fit(judgments) first")

    # --- saving -----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """config.json (settings, scaling, related terms), model.safetensors (the ranker)
        and catalog.jsonl (the items indexed), so `load` rebuilds the same engine."""
        self._check_fitted()
        directory.mkdir(parents=True, exist_ok=True)
        config = {"format_version": FORMAT_VERSION, "config": asdict(self.config),
                  "learned": self.learned,
                  "scale": None if self.scale_ is None else self.scale_.to_dict(),
                  "related": self.related_.to_dict(),
                  "features": list(FEATURES), "validation_ndcg": self.validation_ndcg_,
                  "dense": self.dense_ is not None, "score_spread": self.score_spread_,
                  "log_until": self.log_until_}
        (directory / "config.json").write_text(json.dumps(config, ensure_ascii=False,
                                                          indent=1))
        (directory / "history.json").write_text(json.dumps(
            self.history_.to_dict(self.catalog_.ids), ensure_ascii=False))
        save_file({**(self.head_.state_dict() if self.head_ is not None else {}),
                   "popularity": torch.from_numpy(self.items_.popularity),
                   "reviews": torch.from_numpy(self.items_.reviews)},
                  directory / "model.safetensors")
        with (directory / "catalog.jsonl").open("w", encoding="utf-8") as out:
            for i, item_id in enumerate(self.catalog_.ids):
                row = {"item_id": item_id, "price": _finite(self.catalog_.prices[i]),
                       "channels": sorted(self.catalog_.channels[i] or []) or None}
                row.update({name: self.catalog_.texts[name][i] for name in FIELDS})
                out.write(json.dumps(row, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, directory: Path, text_vectors: TextVectors | None = None) -> SearchRanker:
        """`text_vectors`: the same encoder the engine was indexed with, when it had one."""
        config_path = directory / "config.json"
        if not config_path.is_file():
            raise ConfigError(f"{directory} holds no search model (config.json missing)")
        saved = json.loads(config_path.read_text())
        if saved.get("format_version") != FORMAT_VERSION:
            raise ConfigError(f"{config_path}: format version {saved.get('format_version')}"
                              f" is not {FORMAT_VERSION}: train the search model again")
        settings = {"simplified_chinese": False, **saved["config"]}
        settings["related"] = SynonymConfig(**settings["related"])
        settings["field_weights"] = tuple(settings["field_weights"])
        if saved.get("dense") and text_vectors is None:
            raise ConfigError(f"{directory} was indexed with text vectors: pass the same "
                              "text_vectors (e.g. the shop model's) to load it")
        ranker = cls(SearchConfig(**settings))
        with (directory / "catalog.jsonl").open(encoding="utf-8") as lines:
            ranker.index([json.loads(line) for line in lines],
                         text_vectors=text_vectors if saved.get("dense") else None)
        state = load_file(directory / "model.safetensors")
        ranker.items_.popularity = state.pop("popularity").numpy()
        ranker.items_.reviews = state.pop("reviews").numpy()
        ranker.related_ = RelatedTerms.from_dict(saved["related"], ranker.config.related)
        ranker.understanding_.related = ranker.related_
        ranker.history_.load(json.loads((directory / "history.json").read_text()),
                             ranker.catalog_.position)
        head = None
        if saved.get("learned", True):
            head = RankingEnsemble([RankingHead(len(FEATURES), ranker.config.hidden,
                                                ranker.config.dropout)
                                    for _ in range(ranker.config.heads)])
            head.load_state_dict(state)
            head.eval()
        ranker.scale_ = None if saved["scale"] is None else _Scaler.from_dict(saved["scale"])
        ranker.head_, ranker.validation_ndcg_ = head, saved["validation_ndcg"]
        ranker.score_spread_ = float(saved["score_spread"])
        ranker.log_until_ = saved.get("log_until")
        return ranker


class _Scaler:
    """Signed log, then standardized: BM25 sums and counts have long tails.

    A feature that never varied in training (no training query was spelling-corrected, no
    person known) taught the head nothing, so it reads 0 instead of (1 − 0) / tiny: one such
    value swamped every other feature of a corrected query. The rest are clipped to
    ±`LIMIT` standard deviations for the same reason."""

    LIMIT = 10.0

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        self.mean, self.std = mean.astype(np.float32), std.astype(np.float32)

    @classmethod
    def fit(cls, features: np.ndarray) -> _Scaler:
        logged = _signed_log(features)
        std = logged.std(0)
        return cls(logged.mean(0), np.where(std > 1e-6, std, 0.0))

    def __call__(self, features: np.ndarray) -> np.ndarray:
        varies = self.std > 0
        scaled = (_signed_log(features) - self.mean) / np.where(varies, self.std, 1.0)
        return np.clip(np.where(varies, scaled, 0.0), -self.LIMIT, self.LIMIT).astype(np.float32)

    def to_dict(self) -> dict[str, list[float]]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> _Scaler:
        return cls(np.array(data["mean"]), np.array(data["std"]))


def _signed_log(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def _pad(lists: list[tuple[np.ndarray, np.ndarray]], width: int
         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    x = np.zeros((len(lists), width, len(FEATURES)), np.float32)
    g = np.zeros((len(lists), width), np.float32)
    m = np.zeros((len(lists), width), bool)
    for row, (features, gains) in enumerate(lists):
        x[row, :len(gains)], g[row, :len(gains)], m[row, :len(gains)] = features, gains, True
    return torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(m)


@torch.no_grad()
def _ndcg_at_10(head: RankingHead | RankingEnsemble, x: torch.Tensor, gains: torch.Tensor,
                valid: torch.Tensor) -> float:
    head.eval()
    logits = head(x, valid=valid).logits
    order = torch.argsort(logits, dim=1, descending=True, stable=True)[:, :10]
    discount = 1 / torch.log2(torch.arange(2, 12, dtype=torch.float32))
    dcg = (torch.gather(gains, 1, order) * discount[:order.shape[1]]).sum(1)
    ideal = (torch.sort(gains, dim=1, descending=True).values[:, :10]
             * discount[:order.shape[1]]).sum(1)
    return float((dcg / ideal.clamp_min(1e-9)).mean())


@torch.no_grad()
def _fit_gain_output(head: RankingHead, x: torch.Tensor, gains: torch.Tensor,
                     valid: torch.Tensor, ridge: float = 1.0) -> None:
    """The gain output by ridge regression on the chosen epoch's hidden layer: the epoch is
    chosen for the order, often before the pointwise output has converged."""
    hidden = torch.cat([head.trunk(x[start:start + 256])[valid[start:start + 256]]
                        for start in range(0, len(x), 256)]).double()
    target = gains[valid].double()
    design = torch.cat([hidden, torch.ones(len(hidden), 1, dtype=torch.float64)], 1)
    penalty = ridge * torch.eye(design.shape[1], dtype=torch.float64)
    penalty[-1, -1] = 0.0  # the intercept is not shrunk
    solution = torch.linalg.solve(design.T @ design + penalty, design.T @ target)
    head.gain.weight.copy_(solution[:-1].float()[None])
    head.gain.bias.copy_(solution[-1:].float())


def _forget_oldest(entries: OrderedDict, limit: int) -> None:
    while len(entries) > limit:
        entries.popitem(last=False)


def _describe(name: str, value: float, effect: float) -> str:
    direction = "lifts" if effect > 0 else "lowers"
    words = {
        "bm25": "matches the query's words", "bm25_typed": "matches the words as typed",
        "bm25_share": "matches the words as well as the best items do",
        "trigram": "is spelt like the query", "trigram_share": "is spelt like the query",
        "phrase": "has the query's words side by side", "related": "has related terms "
        "shoppers engaged with after this search", "dense": "means something close",
        "coverage": "has most of the query's words", "idf_coverage": "has the query's rare "
        "words", "all_terms": "has every query word", "last_term": "has the query's last word",
        "head_term": "is the kind of product asked for",
        "item_type": "its title names a product the query asks for",
        "missing_rarest": "lacks a rare query word",
        "numbers": "has the sizes or numbers asked for", "brand": "is of the brand asked for",
        "title_terms": "title length", "popularity": "popular after "
        "searches", "price": "its price", "person": "fits what this person likes",
        "reviews": "how many reviews it has", "review_positive": "how its reviews read",
        "review_worst_aspect": "how its worst-reviewed aspect reads",
        "fusion_rank": "retrieval rank",
        "query_item": "shoppers chose it after this search before",
        "query_category": "its category is what shoppers chose after this search",
    }.get(name, name)
    return f"{words} ({name} = {value:.3g}) {direction} it"


# `_word_match` weights: chosen on Home Depot's validation terms (full-catalog NDCG@10
# 0.4650; BM25 alone over the same candidates 0.4409, their fused order 0.4240, the ranker
# learned from the training terms 0.4821).
WORD_MATCH = {"bm25_share": 1.0, "idf_coverage": 0.5, "trigram_share": 0.3, "phrase": 0.2}
UNLEARNED_SPREAD = 0.3  # a typical spread of `_word_match` among a query's candidates


def _word_match(features: np.ndarray) -> np.ndarray:
    """How well each candidate matches the query's words, with no log to learn from: the
    best BM25 match, the rare terms it has, spelling-tolerant grams and the query's word
    pairs in its title, each against the best candidate's; popularity breaks ties."""
    column = {name: features[:, FEATURES.index(name)] for name in (*WORD_MATCH, "popularity")}
    phrase = np.clip(column["phrase"], 0, None)
    column["phrase"] = phrase / max(float(phrase.max(initial=0.0)), 1e-9)
    score = sum(weight * column[name] for name, weight in WORD_MATCH.items())
    return (score + 1e-3 * column["popularity"]).astype(np.float32)


def _with_typed_price(parsed: ParsedQuery, filters: SearchFilters | None
                      ) -> SearchFilters | None:
    """The filters with the price limit typed into the query; None when the two leave no
    price."""
    filters = filters or SearchFilters()
    if parsed.price is None:
        return filters
    return filters.priced(parsed.price.low, parsed.price.high)


def _progress(items: list, show: bool, label: str):
    if not show:
        return items
    from rich.progress import track
    return track(items, description=label)


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
