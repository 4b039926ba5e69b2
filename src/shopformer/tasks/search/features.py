"""The ranker's view of one (query, candidate item, person): numbers a person could also
read, so `explain` can say which of them put an item where it is."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from shopformer.tasks.search.analyze import UNITS, normalize
from shopformer.tasks.search.query import ParsedQuery

UNIT_TERMS = frozenset({*UNITS.values(), "in", "x"})

FEATURES = (
    "bm25",  # BM25 of the corrected query over all fields
    "bm25_typed",  # BM25 of the query as typed
    "bm25_share",  # bm25 / best bm25 among the candidates
    "trigram",  # character-trigram cosine (spelling-tolerant)
    "trigram_share",
    "phrase",  # BM25 of the query's adjacent word pairs in the title
    "related",  # BM25 of the related terms learned from the search log
    "dense",  # cosine of query and item text vectors
    "coverage",  # share of the query's terms the item has
    "idf_coverage",  # the same, weighted by how rare each term is
    "all_terms",  # 1 when the item has every query term
    "last_term",  # the query's last term is in the item
    "head_term",  # the query's last word that is not a number or unit (the product type)
    "item_type",  # the title's product type (its main clause's last word) is in the query
    "missing_rarest",  # rarity of the rarest query term the item lacks, over the rarest's
    "numbers",  # share of the query's numbers in the item (-1: the query has none)
    "brand",  # the item's brand (or the title's first word) is in the query
    "title_terms",  # log length of the title
    "query_terms",  # number of query terms
    "corrected",  # 1 when spelling was corrected
    "popularity",  # log(1 + engagements after searches and views)
    "price",  # log(1 + price); 0 when unknown
    "reviews",  # log(1 + the item's reviews)
    "review_positive",  # share of positive reviews (shrunk; the shop's average without)
    "review_worst_aspect",  # positive share of the item's worst-reviewed aspect
    "person",  # the person's affinity for the item (standardized within the candidates)
    "has_person",
    "fusion_rank",  # log(1 + rank in the fused candidate list)
    "query_item",  # the item's share of what shoppers chose after this query before
    "query_category",  # its category's share of the same
)


@dataclass
class QueryScores:
    """Full-catalog scores for one query, from every retriever (N,) each."""

    bm25: np.ndarray
    bm25_typed: np.ndarray
    trigram: np.ndarray
    phrase: np.ndarray
    related: np.ndarray
    dense_query: np.ndarray | None  # the query's text vector when the engine has one


@dataclass
class ItemTable:
    """Per-item numbers the features need, aligned with the catalog."""

    title_terms: np.ndarray  # (N,) number of title terms
    brand_terms: np.ndarray  # (N,) object: the brand's first term, else the title's
    type_terms: np.ndarray  # (N,) object: `product_type_term` of the title ("" unknown)
    popularity: np.ndarray  # (N,)
    price: np.ndarray  # (N,) NaN when unknown
    reviews: np.ndarray  # (N, 3) review count, positive share, worst aspect's share


@dataclass
class CandidateSignals:
    """Per-candidate numbers computed by the engine's indexes, (K,) or (K, 2) each."""

    contains: np.ndarray  # (K, T): which of the query's T terms each candidate has
    idf: np.ndarray  # (T,) their rarity
    person: np.ndarray | None = None  # affinities
    dense: np.ndarray | None = None  # text-vector cosines
    history: np.ndarray | None = None  # (K, 2) `QueryHistory.features`
    popularity: np.ndarray | None = None  # engagements, when not the item table's


# Where a title's main clause ends: what follows describes ("… drill with battery", "… in
# white", "… for kitchen", "…, 2-pack") rather than names the product.
CLAUSE_END = re.compile(r"\s(?:with|w/|for|in|and|by|featuring|includes?)\s|[,(;|]|\s[-–—]\s")


def product_type_term(title: str, terms: Callable[[str], tuple[str, ...]]) -> str:
    """The term that names what a title sells: titles put the product type at the end of
    their main clause ("DeWalt 20V Max Cordless Drill with …" → "drill"; "索尼降噪耳机" →
    its last word). Numbers and units name sizes, not products; "" when nothing is left."""
    main = CLAUSE_END.split(normalize(title), maxsplit=1)[0]
    words = [t for t in terms(main) if not t[:1].isdigit() and t not in UNIT_TERMS]
    return words[-1] if words else ""


def candidate_features(query: ParsedQuery, candidates: np.ndarray, scores: QueryScores,
                       signals: CandidateSignals, items: ItemTable) -> np.ndarray:
    """(K, len(FEATURES)) for K candidates."""
    contains, idf, person, dense, history = (signals.contains, signals.idf, signals.person,
                                             signals.dense, signals.history)
    k, terms = len(candidates), len(query.terms)
    out = np.zeros((k, len(FEATURES)), np.float32)
    column = {name: i for i, name in enumerate(FEATURES)}

    def put(name: str, values: np.ndarray | float) -> None:
        out[:, column[name]] = values

    bm25 = scores.bm25[candidates]
    trigram = scores.trigram[candidates]
    put("bm25", bm25)
    put("bm25_typed", scores.bm25_typed[candidates])
    put("bm25_share", bm25 / max(float(bm25.max(initial=0.0)), 1e-9))
    put("trigram", trigram)
    put("trigram_share", trigram / max(float(trigram.max(initial=0.0)), 1e-9))
    put("phrase", scores.phrase[candidates])
    put("related", scores.related[candidates])
    if dense is not None:
        put("dense", dense)
    if terms:
        put("coverage", contains.mean(1))
        put("idf_coverage", (contains * idf).sum(1) / max(float(idf.sum()), 1e-9))
        put("all_terms", contains.all(1))
        put("last_term", contains[:, -1])
        words = [i for i, t in enumerate(query.terms) if t.isalpha() and t not in UNIT_TERMS]
        put("head_term", contains[:, words[-1]] if words else -1.0)
        rarest = max(float(idf.max()), 1e-9)
        put("missing_rarest", np.where(~contains, idf[None, :], 0.0).max(1) / rarest)
    put("item_type", np.isin(items.type_terms[candidates], list(query.terms)))
    numbers = [i for i, t in enumerate(query.terms) if t[:1].isdigit()]
    put("numbers", contains[:, numbers].mean(1) if numbers else -1.0)
    put("brand", np.isin(items.brand_terms[candidates], list(query.terms)))
    put("title_terms", np.log1p(items.title_terms[candidates]))
    put("query_terms", terms)
    put("corrected", float(query.was_corrected))
    put("popularity", np.log1p(items.popularity[candidates] if signals.popularity is None
                               else signals.popularity))
    put("price", np.nan_to_num(np.log1p(items.price[candidates]), nan=0.0))
    put("reviews", np.log1p(items.reviews[candidates, 0]))
    put("review_positive", items.reviews[candidates, 1])
    put("review_worst_aspect", items.reviews[candidates, 2])
    if person is not None:
        spread = float(person.std())
        put("person", (person - person.mean()) / spread if spread > 0 else 0.0)
        put("has_person", 1.0)
    put("fusion_rank", np.log1p(np.arange(k)))
    if history is not None:
        put("query_item", history[:, 0])
        put("query_category", history[:, 1])
    return out
