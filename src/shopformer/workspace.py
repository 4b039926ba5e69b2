"""A shop is one directory: settings, the store, the pseudonym key, the ingest log, models.

```
shop/
  shop.toml                 settings (store URL, time zone, optional rewrite endpoint)
  store.duckdb              the embedded store
  .shopformer/pseudonym.key the keyed-hash secret (or $SHOPFORMER_PSEUDONYM_KEY)
  logs/ingest.jsonl         append-only log of ingest runs (counts only, no raw data)
  models/<name>/<version>/  trained models (later issues)
```
The CLI and the server open the same workspace.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow.compute as pc

from shopformer.core.errors import ConfigError, InputError, Location, ShopformerError
from shopformer.core.files import json_lines
from shopformer.ingest.adapters import find_adapter, layout_adapter
from shopformer.ingest.mapping import ColumnMapping
from shopformer.ingest.order_lines import with_stored_orders
from shopformer.ingest.pipeline import IngestPipeline, IngestSummary
from shopformer.ingest.readers import BATCH_ROWS, read_mapped
from shopformer.ingest.reprotect import reprotect
from shopformer.ingest.source import RawBatch
from shopformer.privacy.pseudonymize import Pseudonymizer, load_or_create_key
from shopformer.schema.records import channel_name
from shopformer.storage.base import Store, open_store
from shopformer.tasks.rewrite import EndpointConfig
from shopformer.train.registry import ModelRegistry

if TYPE_CHECKING:  # torch stays unloaded until a model is needed: the CLI starts fast
    from shopformer.tasks.ads import AdRanker
    from shopformer.tasks.reviews.analysis import ReviewAnalyzer
    from shopformer.tasks.reviews.replies import ReplySuggester
    from shopformer.tasks.reviews.sentiment import ReviewSentiment, SentimentConfig
    from shopformer.tasks.reviews.signals import ItemReviewSignals
    from shopformer.tasks.search.ranker import SearchConfig, SearchRanker
    from shopformer.tasks.support.assistant import SupportAssistant, SupportConfig
    from shopformer.tasks.support.intents import IntentClassifier, IntentConfig
    from shopformer.train.bundle import ShopModelBundle
    from shopformer.train.config import PretrainConfig
    from shopformer.train.finetune import TextEncoderSource
    from shopformer.train.pretrain import PretrainData

SETTINGS_FILE = "shop.toml"
SHOP_MODEL = "shop"
SEARCH_MODEL = "search"
SENTIMENT_MODEL = "sentiment"
INTENT_MODEL = "intents"
ADS_MODEL = "ads"
ALIGNED_TEXT_FILE = "aligned_text.safetensors"  # a search model's own text encoder
POLICY_FILE = "policy.md"  # the shop's policy for the support assistant, in the workspace
FAQ_FILE = "faq.jsonl"  # the shop's FAQ: one {"question", "answer", …} per line
# intents taught with `add_intent`: one {"intent", "text"} per example, kept for retraining
INTENT_EXAMPLES_FILE = "support/intent_examples.jsonl"
SUPPORT_LOGS = "support/logs"  # support chats' logs, personal data scrubbed, one file each


@dataclass(frozen=True)
class ShopSettings:
    name: str = "shop"
    store: str = "duckdb:///store.duckdb"  # relative paths are inside the workspace
    timezone: str = "UTC"  # zone of naive times in the shop's own files and mappings
    # `[rewrite]`: an OpenAI-compatible endpoint that rewords review replies and support
    # answers (off unless `endpoint` is set); read by `reply_suggester`/`support_assistant`
    rewrite: EndpointConfig = field(default_factory=EndpointConfig)

    @classmethod
    def from_toml(cls, data: dict) -> ShopSettings:
        """Settings from a parsed shop.toml; what is wrong is named by its key."""
        data = dict(data)
        rewrite = data.pop("rewrite", {})
        if not isinstance(rewrite, dict):
            raise ConfigError(f"{SETTINGS_FILE}: rewrite must be a table ([rewrite] with "
                              "endpoint = \"https://…/v1\", model, api_key_env, "
                              "timeout_seconds)")
        try:
            endpoint = EndpointConfig(**rewrite)
        except TypeError as error:
            raise ConfigError(f"{SETTINGS_FILE} [rewrite]: {error} (keys: endpoint, model, "
                              "api_key_env, timeout_seconds)") from None
        except ConfigError as error:
            raise ConfigError(f"{SETTINGS_FILE} [rewrite]: {error}") from None
        try:
            return cls(**data, rewrite=endpoint)
        except TypeError as error:
            raise ConfigError(f"{SETTINGS_FILE}: {error} (keys: name, store, timezone, "
                              "[rewrite])") from None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError(f"{SETTINGS_FILE}: name must not be empty")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{SETTINGS_FILE}: unknown time zone {self.timezone!r} "
                              "(use an IANA name such as Asia/Shanghai or UTC)") from None

    def to_toml(self) -> str:
        """The settings a new workspace starts with, and the optional ones as comments."""
        return (f'name = "{self.name}"\nstore = "{self.store}"\ntimezone = "{self.timezone}"\n'
                "\n# An OpenAI-compatible endpoint may reword suggested review replies and "
                "support\n# answers (off unless endpoint is set; a rewording that adds a "
                "number, id or\n# date is refused). The key is read from the variable named "
                "by api_key_env.\n# [rewrite]\n# endpoint = \"https://llm.example.com/v1\"\n"
                '# model = "gpt-4o-mini"\n# api_key_env = "SHOPFORMER_LLM_API_KEY"\n'
                "# timeout_seconds = 20\n")


class Workspace:
    """Opens a shop directory; use `Workspace.init` once, then `Workspace.open`."""

    def __init__(self, root: Path, settings: ShopSettings) -> None:
        self.root = root
        self.settings = settings
        self._store: Store | None = None
        self._pseudonymizer: Pseudonymizer | None = None

    @classmethod
    def init(cls, root: Path, name: str | None = None) -> Workspace:
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        settings_path = root / SETTINGS_FILE
        if not settings_path.exists():
            settings = ShopSettings(name=name or root.resolve().name or "shop")
            settings_path.write_text(settings.to_toml(), encoding="utf-8")
        workspace = cls.open(root)
        load_or_create_key(workspace.key_path)
        workspace.store  # noqa: B018 - creates the store file now, not on first use
        return workspace

    @classmethod
    def open(cls, root: Path) -> Workspace:
        root = Path(root)
        settings_path = root / SETTINGS_FILE
        if not settings_path.exists():
            raise ConfigError(f"{root} is not a Shopformer workspace (no {SETTINGS_FILE}); "
                              f"create one with: shopformer init {root}")
        try:
            data = tomllib.loads(settings_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{settings_path}: {error}") from None
        return cls(root, ShopSettings.from_toml(data))  # its errors name shop.toml and key

    @property
    def key_path(self) -> Path:
        return self.root / ".shopformer" / "pseudonym.key"

    @property
    def store(self) -> Store:
        if self._store is None:
            url = self.settings.store
            if url.startswith("duckdb:///") and not url.startswith("duckdb:////"):
                url = "duckdb://" + str(self.root / url.removeprefix("duckdb:///"))
            store = open_store(url)
            reprotect(store, self.pseudonymizer)  # rows stored under older privacy rules
            self._store = store
        return self._store

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        if self._pseudonymizer is None:
            self._pseudonymizer = Pseudonymizer(load_or_create_key(self.key_path))
        return self._pseudonymizer

    def ingest(self, path: Path, *, adapter: str | None = None,
               mapping: ColumnMapping | None = None, rejects: Path | None = None,
               on_rows: Callable[[int], None] | None = None,
               batch_rows: int = BATCH_ROWS) -> IngestSummary:
        """Ingest a file or directory through its adapter, or through a column mapping."""
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"{path}: no such file or directory")
        pipeline = IngestPipeline(self.store, self.pseudonymizer, rejects=rejects,
                                  on_rows=on_rows)
        keep_going = rejects is not None
        if mapping is not None and mapping.parse.timezone is None:
            mapping = replace(mapping, parse=replace(mapping.parse,
                                                     timezone=self.settings.timezone))
        if mapping is not None and not (mapping.columns or mapping.constants or mapping.values
                                        or mapping.names):
            layout = layout_adapter(path, mapping.kind)  # `--kind order` on Shopify's export
            if layout is not None:
                mapping, adapter = None, layout.name
        if mapping is not None:
            if path.is_dir():
                raise ConfigError(f"{path}: a column mapping applies to one file, not a directory")
            batches = read_mapped(path, mapping, keep_going=keep_going, batch_rows=batch_rows)
            if mapping.kind == "order":  # a line report after its order report
                batches = with_stored_orders(batches, self.store)
            summary = pipeline.run(batches, source=str(path), adapter=f"mapping:{mapping.kind}")
        else:
            found = find_adapter(path, adapter)
            batches = found.batches(path, keep_going=keep_going, batch_rows=batch_rows)
            if found.name == "shop":  # the shop's own files: naive times are in its zone
                batches = with_stored_orders(self._in_shop_timezone(batches), self.store)
            summary = pipeline.run(batches,
                                   source=str(path), adapter=found.name,
                                   pii_columns=getattr(found, "pii_columns", ()))
        self._log(summary)
        return summary

    def _in_shop_timezone(self, batches: Iterator[RawBatch]) -> Iterator[RawBatch]:
        for batch in batches:
            if batch.options.timezone is None:
                batch.options = replace(batch.options, timezone=self.settings.timezone)
            yield batch

    def _log(self, summary: IngestSummary) -> None:
        log = self.root / "logs" / "ingest.jsonl"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(summary.to_dict(), ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    @property
    def models(self) -> ModelRegistry:
        return ModelRegistry(self.root / "models")

    def pretraining_data(self, config: PretrainConfig) -> PretrainData:
        from shopformer.data.sequences import build_sequences
        from shopformer.data.text_corpus import item_texts, shop_texts
        from shopformer.data.vocab import ShopVocabulary
        from shopformer.train.pretrain import PretrainData

        vocab = ShopVocabulary.build(self.store)
        return PretrainData(vocab, build_sequences(self.store, vocab), item_texts(self.store),
                            list(shop_texts(self.store, limit=config.max_texts)))

    def pretrain(self, config: PretrainConfig | None = None, *, resume: bool = True,
                 show_progress: bool = True) -> tuple[str, ShopModelBundle]:
        """Pretrain the shop model on everything in the store; publish and activate it as a
        new version of `models/shop/`. An interrupted run resumes from its checkpoint."""
        from shopformer.train.config import PretrainConfig
        from shopformer.train.pretrain import Pretrainer

        config = config or PretrainConfig()
        data = self.pretraining_data(config)
        if data.sequences.events == 0:
            raise ConfigError("the store holds no item events to learn from; "
                              "ingest some first (shopformer ingest)")
        checkpoint = self.root / "models" / SHOP_MODEL / ".checkpoint"
        if not resume:
            shutil.rmtree(checkpoint, ignore_errors=True)
        bundle = Pretrainer(config).fit(data, checkpoint, show_progress=show_progress)
        staged = self.models.staging_dir(SHOP_MODEL)
        bundle.save_pretrained(staged)
        version = self.models.publish(SHOP_MODEL, staged)
        shutil.rmtree(checkpoint, ignore_errors=True)
        return version, bundle

    def shop_model(self, version: str | None = None) -> ShopModelBundle:
        from shopformer.train.bundle import ShopModelBundle

        return ShopModelBundle.from_pretrained(self.models.path(SHOP_MODEL, version))

    def _shop_model_if_any(self, version: str | None = None) -> ShopModelBundle | None:
        """The given or active shop model; None when there is none: a catalog alone is
        searchable (without text vectors or taste)."""
        if version is None and self.models.active(SHOP_MODEL) is None:
            return None
        return self.shop_model(version)

    def train_search(self, config: SearchConfig | None = None, *, show_progress: bool = True,
                     align_minutes: float = 0.0) -> tuple[str, SearchRanker]:
        """Train the search ranker from the store's catalog and search sessions on top of
        the active shop model (its text vectors and the persons' live state) and, when a
        sentiment model is active, what each item's reviews say; publish and activate it
        as a new version of `models/search/`. With `align_minutes`, the shop model's text
        encoder is first aligned on the search log's (query, engaged item's text) pairs
        for dense retrieval; the aligned encoder is saved with the search model. A store
        with no search followed by an engagement gets an engine that ranks by word match
        (`SearchRanker.learned` False)."""
        from shopformer.tasks.search.from_store import catalog_rows, search_log
        from shopformer.tasks.search.ranker import SearchRanker

        bundle = self._shop_model_if_any()
        rows = catalog_rows(self.store)
        log = search_log(self.store)
        if not log.judgments:
            # no search followed by an engagement yet: the engine ranks by word match
            # (`SearchRanker.learned` is False) until it is trained again on a log
            align_minutes = 0.0  # nothing to align on
        aligned = None
        text_vectors = _text_vectors(bundle)
        if align_minutes > 0:
            if bundle is None:
                raise ConfigError("aligning text for search needs a shop model: run "
                                  "shopformer pretrain first")
            aligned = self._aligned_text_encoder(bundle, rows, log.judgments, align_minutes)
            from shopformer.train.text_alignment import text_vectors as aligned_vectors

            text_vectors = aligned_vectors(aligned)
        signals = self.review_signals()
        reviews = None if signals is None else signals.for_ranking()
        engine = SearchRanker(config).index(rows, queries=log.queries,
                                            popularity=log.popularity, reviews=reviews,
                                            text_vectors=text_vectors)
        engine.fit(log.judgments,
                   self._person_scores(bundle, engine) if bundle is not None else None,
                   show_progress=show_progress, log_until=log.latest)
        staged = self.models.staging_dir(SEARCH_MODEL)
        engine.save(staged)
        if aligned is not None:
            from safetensors.torch import save_file

            save_file({k: v.contiguous() for k, v in aligned.encoder.state_dict().items()},
                      str(staged / ALIGNED_TEXT_FILE))
        return self.models.publish(SEARCH_MODEL, staged), engine

    def _aligned_text_encoder(self, bundle: ShopModelBundle, rows: list[dict], judgments,
                              minutes: float):
        """The shop model's text encoder aligned on (query, engaged item's text) pairs."""
        from shopformer.train.text_alignment import AlignConfig, align_text_encoder

        source = self._text_encoder_source(bundle)
        if source is None:
            raise ConfigError("aligning text for search needs a shop model with a text "
                              "encoder (pretrain on a store with item texts)")
        texts = {row["item_id"]: " ".join(str(row[f]) for f in ("title", "brand", "category")
                                          if row.get(f)) for row in rows}
        pairs = [(j.query, texts[j.item_id]) for j in judgments
                 if j.gain > 0 and texts.get(j.item_id)]
        config = AlignConfig(max_minutes=minutes, batch_size=min(64, max(2, len(pairs) // 4)))
        return align_text_encoder(source, [q for q, _ in pairs], [d for _, d in pairs],
                                  config)

    def search_engine(self, version: str | None = None, *, personalize: bool = True,
                      shop_version: str | None = None) -> SearchRanker:
        """The active (or given) search model, with the (given) shop model's text vectors
        and, when `personalize`, each person's live state from the recommender."""
        from shopformer.tasks.search.from_store import replay_searches
        from shopformer.tasks.search.ranker import SearchRanker

        bundle = self._shop_model_if_any(shop_version)
        directory = self.models.path(SEARCH_MODEL, version)
        text_vectors = _text_vectors(bundle)
        if bundle is not None and (directory / ALIGNED_TEXT_FILE).is_file():
            import copy

            from safetensors.torch import load_file

            from shopformer.train.finetune import TextEncoderSource
            from shopformer.train.text_alignment import text_vectors as aligned_vectors

            encoder = copy.deepcopy(bundle.model.text)
            encoder.load_state_dict(load_file(str(directory / ALIGNED_TEXT_FILE)))
            text_vectors = aligned_vectors(TextEncoderSource(encoder, bundle.tokenizer))
        engine = SearchRanker.load(directory, text_vectors=text_vectors)
        replay_searches(self.store, engine)  # what shoppers chose since it was trained
        if personalize and bundle is not None:
            engine.person_scores = self._person_scores(bundle, engine)
        return engine

    def train_sentiment(self, config: SentimentConfig | None = None
                        ) -> tuple[str, ReviewSentiment]:
        """Train review sentiment from the store's rated reviews (ratings are the labels;
        a review's own polarity flag, where it has one, wins over its stars),
        fine-tuning the active shop model's text encoder when it has one, each review's
        item category from the catalog as its domain (else the review's own category);
        publish and activate it as a new version of `models/sentiment/`."""
        from shopformer.tasks.reviews.domains import review_domains
        from shopformer.tasks.reviews.products import CatalogProducts, reviewed_keys
        from shopformer.tasks.reviews.sentiment import ReviewSentiment

        # in key order: the same store always trains the same model
        table = self.store.read_table(
            "review", ["text", "rating", "polarity", "item_id", "category", "extra"],
            order_by=["review_id"])
        products = CatalogProducts.of(self.store)
        reviewed = reviewed_keys(products, table["item_id"].to_pylist(),
                                 table["extra"].to_pylist())
        rated = [(t, r, p, d) for t, r, p, d in zip(
            table["text"].to_pylist(), table["rating"].to_pylist(),
            table["polarity"].to_pylist(),
            review_domains(products, reviewed, table["category"].to_pylist()), strict=True)
            if t and (r is not None or p is not None)]
        if not rated:
            raise ConfigError("the store holds no rated reviews: nothing to learn sentiment "
                              "from (ingest reviews with a rating or a polarity)")
        source = self._text_encoder_source()
        texts, ratings, labels, domains = (list(c) for c in zip(*rated, strict=True))
        model = ReviewSentiment(config).fit(
            texts, labels if any(p is not None for p in labels) else None, ratings=ratings,
            encoder=source, domains=domains)
        staged = self.models.staging_dir(SENTIMENT_MODEL)
        model.save(staged)
        return self.models.publish(SENTIMENT_MODEL, staged), model

    def review_analyzer(self, version: str | None = None) -> ReviewAnalyzer:
        """The active (or given) sentiment model with the default aspect lexicon."""
        from shopformer.tasks.reviews.analysis import ReviewAnalyzer
        from shopformer.tasks.reviews.sentiment import ReviewSentiment

        return ReviewAnalyzer(ReviewSentiment.load(self.models.path(SENTIMENT_MODEL, version)))

    def review_signals(self, version: str | None = None,
                       analyzer: ReviewAnalyzer | None = None) -> ItemReviewSignals | None:
        """What every item's reviews say, read by the active (or given) sentiment model
        (`analyzer`: that model, already loaded); None when there is no sentiment model.
        Reading every review takes a while on a large shop, so the result is kept in
        .shopformer/cache/ per model version and used again while the number of reviews,
        the latest review's time and the number of items stay the same (and Shopformer is
        not upgraded)."""
        from shopformer import __version__
        from shopformer.tasks.reviews.signals import ItemReviewSignals, item_review_signals

        version = version or self.models.active(SENTIMENT_MODEL)
        if version is None:
            return None
        reviews = self.store.read_table("review", ["ts"])
        latest = pc.max(reviews["ts"]).as_py() if reviews.num_rows else None
        # the catalog's size too: a product export read later makes reviews of a product
        # (by its handle) reviews of each of its variants
        key = {"sentiment": version, "shopformer": __version__, "reviews": reviews.num_rows,
               "latest_review": None if latest is None else latest.isoformat(),
               "items": self.store.count("item")}
        cached = self.root / ".shopformer" / "cache" / "review-signals" / f"{version}.json"
        if cached.is_file():
            try:
                stored = json.loads(cached.read_text(encoding="utf-8"))
                if stored.get("key") == key:
                    return ItemReviewSignals.from_dict(stored["signals"])
            except (ValueError, KeyError, TypeError):
                pass  # a damaged cache is read again from the reviews
        signals = item_review_signals(self.store, analyzer or self.review_analyzer(version))
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".tmp")
        partial.write_text(json.dumps({"key": key, "signals": signals.to_dict()},
                                      ensure_ascii=False), encoding="utf-8")
        partial.replace(cached)
        return signals

    def reply_suggester(self, analyzer: ReviewAnalyzer | None = None) -> ReplySuggester:
        """Suggested replies to reviews from `analyzer` (default: the active sentiment
        model's), grounded in the agents' past answers in the store's conversations."""
        from shopformer.tasks.past_answers import past_answers
        from shopformer.tasks.reviews.replies import ReplyConfig, ReplySuggester

        return ReplySuggester(analyzer or self.review_analyzer(), past_answers(self.store),
                              ReplyConfig(rewrite=self.settings.rewrite))

    def train_intents(self, config: IntentConfig | None = None
                      ) -> tuple[str, IntentClassifier]:
        """Train support intents from the store's conversation turns that carry an intent
        label and the FAQ file's entries that name one (an intent added with an answer
        survives a retraining); from the built-in seed examples when the store holds no
        label (`intent_examples`). Fine-tunes the active shop model's text encoder when it
        has one; publishes and activates a new version of `models/intents/`."""
        from shopformer.tasks.support.intents import IntentClassifier

        texts, intents, _ = self.intent_examples()
        source = self._text_encoder_source()
        model = IntentClassifier(config).fit(texts, intents, encoder=source)
        staged = self.models.staging_dir(INTENT_MODEL)
        model.save(staged)
        return self.models.publish(INTENT_MODEL, staged), model

    def intent_examples(self) -> tuple[list[str], list[str], bool]:
        """(texts, intents, seeded) the intent model learns from: the store's labelled
        customer turns and the FAQ's entries with an intent; when no turn is labelled (most
        shops' chat logs are not), the built-in bilingual seed examples
        (`tasks/support/seed_intents.py`) instead of the turns, and `seeded` is True."""
        from shopformer.tasks.support.answers import faq_from_file
        from shopformer.tasks.support.seed_intents import seed_examples

        table = self.store.read_table("turn", ["role", "text", "intent"],
                                      order_by=["conversation_id", "turn", "ts"])
        labelled = [(t, i.strip()) for r, t, i in zip(table["role"].to_pylist(),
                                                      table["text"].to_pylist(),
                                                      table["intent"].to_pylist(), strict=True)
                    if r == "customer" and t and t.strip() and i and i.strip()]
        seeded = not labelled
        if seeded:
            labelled = list(zip(*seed_examples(), strict=True))
        faq = self.root / FAQ_FILE
        taught = [(k.question, k.intent) for k in (faq_from_file(faq) if faq.is_file()
                                                   else []) if k.intent]
        taught += self._taught_intents()
        labelled += list(dict.fromkeys(taught))  # an example in both files counts once
        return [t for t, _ in labelled], [i for _, i in labelled], seeded

    def _taught_intents(self) -> list[tuple[str, str]]:
        """(example, intent) of every intent taught with `add_intent`."""
        path = self.root / INTENT_EXAMPLES_FILE
        if not path.is_file():
            return []
        out = []
        for row, entry in json_lines(path, "the taught intents"):
            if not isinstance(entry, dict) or "text" not in entry or "intent" not in entry:
                raise InputError('not an {"intent", "text"} object',
                                 Location(str(path), row=row))
            out.append((str(entry["text"]), str(entry["intent"])))
        return out

    def add_intent(self, name: str, examples: list[str], answer: str | None = None) -> str:
        """A new intent from a handful of examples added to the active intent model without
        retraining (`IntentClassifier.add_intent`); published and activated as a new
        version of `models/intents/`, so the previous one can be rolled back to. `answer`:
        what the assistant answers it with, kept in the workspace's FAQ file (without one
        the intent is recognised and handed to a person)."""
        from shopformer.tasks.support.intents import IntentClassifier

        if answer is not None and not answer.strip():
            raise ConfigError("the intent's answer is empty")
        model = IntentClassifier.load(self.models.path(INTENT_MODEL)).add_intent(name, examples)
        staged = self.models.staging_dir(INTENT_MODEL)
        model.save(staged)
        version = self.models.publish(INTENT_MODEL, staged)
        kept = self.root / INTENT_EXAMPLES_FILE  # a retraining learns the intent again
        kept.parent.mkdir(parents=True, exist_ok=True)
        with kept.open("a", encoding="utf-8") as handle:
            for text in examples:
                handle.write(json.dumps({"intent": name, "text": text},
                                        ensure_ascii=False) + "\n")
        if answer is not None:
            entry = {"question": examples[0], "variants": list(examples[1:]),
                     "answer": answer.strip(), "intent": name}
            with (self.root / FAQ_FILE).open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return version

    def _text_encoder_source(self, bundle: ShopModelBundle | None = None
                             ) -> TextEncoderSource | None:
        """The (active) shop model's own text encoder and tokenizer, for a task to fine-tune
        from; None without a shop model or one with text."""
        from shopformer.data.tokenizer import ShopTokenizer
        from shopformer.train.finetune import TextEncoderSource

        if bundle is None:
            if self.models.active(SHOP_MODEL) is None:
                return None
            bundle = self.shop_model()
        if bundle.model.text is None or not isinstance(bundle.tokenizer, ShopTokenizer):
            return None
        return TextEncoderSource(bundle.model.text, bundle.tokenizer)

    def support_assistant(self, *, policy: Path | None = None,
                          config: SupportConfig | None = None,
                          intents_version: str | None = None,
                          sentiment_version: str | None = None,
                          signals: ItemReviewSignals | None = None) -> SupportAssistant:
        """The support assistant on the active (or given) intent model (trained first when
        there is none), with the store's orders, products and past answers, the workspace's
        FAQ file (`FAQ_FILE`) when there is one, the policy file when given, and review
        intelligence when a sentiment model is active (or given; `signals`: what that model
        read in the reviews, when already at hand).
        Without `config`, answers are reworded by shop.toml's `[rewrite]` endpoint if set."""
        from shopformer.tasks.support.answers import (
            AnswerIndex,
            conversation_answers,
            faq_from_file,
        )
        from shopformer.tasks.support.assistant import SupportAssistant, SupportConfig
        from shopformer.tasks.support.intents import IntentClassifier
        from shopformer.tasks.support.tools import OrderTool, PolicyTool, ProductTool

        if intents_version is None and self.models.active(INTENT_MODEL) is None:
            self.train_intents()
        intents = IntentClassifier.load(self.models.path(INTENT_MODEL, intents_version))
        faq = self.root / FAQ_FILE
        known = (faq_from_file(faq) if faq.is_file() else []) + conversation_answers(self.store)
        reviews = sentiment = None
        if sentiment_version is not None or self.models.active(SENTIMENT_MODEL) is not None:
            from shopformer.tasks.support.tools import ReviewTool

            analyzer = self.review_analyzer(sentiment_version)
            sentiment = analyzer.sentiment
            reviews = ReviewTool(signals or self.review_signals(sentiment_version,
                                                               analyzer=analyzer))
        return SupportAssistant(
            intents, orders=OrderTool(self.store, self.settings.timezone),
            products=ProductTool(self.store),
            policy=PolicyTool.from_file(policy) if policy is not None else None,
            answers=AnswerIndex(known) if known else None, reviews=reviews,
            sentiment=sentiment,
            negative_floors=self._negative_floors(sentiment, intents) if sentiment else None,
            config=config or SupportConfig(rewrite=self.settings.rewrite))

    def _negative_floors(self, sentiment, intents: IntentClassifier) -> dict[str, float]:
        """How negative the store's past customer messages of each intent read: of the
        intent labelled, or where none is (a seeded intent model), of the intent read."""
        from shopformer.tasks.support.upset import negative_floors

        turns = self.store.read_table("turn", ["role", "text", "intent"]).to_pylist()
        said = [t for t in turns if t["role"] == "customer" and t["text"]]
        labelled = [t for t in said if t["intent"]]
        if labelled:
            return negative_floors(sentiment, [t["text"] for t in labelled],
                                   [t["intent"] for t in labelled])
        texts = [t["text"] for t in said][::max(1, len(said) // 3000)]  # a few hundred each
        return negative_floors(sentiment, texts, [g.intent for g in intents.predict(texts)])

    def train_ads(self, path: Path, *, numeric: tuple[str, ...] = (),
                  categorical: tuple[str, ...] = (), objective: str | None = None,
                  holdout: float = 0.2, seed: int = 7) -> tuple[str, dict]:
        """Train an `AdRanker` on an ad impression log (`tasks/ad_log.py`: a file with
        clicked / converted columns and the features known at each impression), report
        both heads on a `holdout` share of it — the latest impressions when the log has a
        time column, else random ones — (AUC, log-loss, ECE, beside always predicting the
        training rows' rate), then learn from every row; publish and
        activate it as a new version of `models/ads/`, which the server ranks ads with.
        `objective`: bid*ctr*cvr by default, bid*ctr for a log of clicks alone."""
        from shopformer.ingest.readers import read_whole
        from shopformer.tasks.ad_log import held_out_report, impression_log
        from shopformer.tasks.ads import AdRanker, AdRankerConfig

        if not 0 < holdout < 0.5:
            raise ConfigError("holdout must be a share in (0, 0.5)")
        table, rows = read_whole(Path(path))
        log = impression_log(table, rows, str(path), numeric=numeric, categorical=categorical)
        converts = "converted" in log.columns
        if objective == "bid*ctr*cvr" and not converts:
            raise ConfigError(f"{path}: no conversions in the log (a converted column), so "
                              "no pCVR: rank by bid*ctr")
        config = AdRankerConfig(numeric=log.numeric, categorical=log.categorical,
                                objective=objective or ("bid*ctr*cvr" if converts
                                                        else "bid*ctr"))
        report = held_out_report(log, config, holdout, seed)
        ranker = AdRanker(config).fit(log.columns)
        staged = self.models.staging_dir(ADS_MODEL)
        ranker.save(staged)
        return self.models.publish(ADS_MODEL, staged), report

    def ad_ranker(self, version: str | None = None) -> AdRanker:
        """The active (or given) ad ranker: trained with `train_ads` (`shopformer ads train`)
        or an `AdRanker` published with `models.publish(ADS_MODEL, directory)`."""
        from shopformer.tasks.ads import AdRanker

        return AdRanker.load(self.models.path(ADS_MODEL, version))

    def _person_scores(self, bundle: ShopModelBundle, engine: SearchRanker):
        from shopformer.tasks.recommend import Recommender
        from shopformer.tasks.search.from_store import person_affinity

        recommender = Recommender().fit(self.store, bundle)
        return person_affinity(recommender, engine.catalog_.ids)

    def person_for_account(self, channel: str, raw_account: str) -> str:
        """The person behind a raw account id as the shop knows it (pseudonymized first)."""
        return self.store.person_of(channel_name(channel),
                                    self.pseudonymizer.one(raw_account.strip(), "account"))

    def erase_person(self, person_id: str) -> dict[str, int]:
        """Remove the person's rows of every kind on every channel, and the logs of their
        support chats (`SUPPORT_LOGS`: scrubbed of contact details, but still what they
        said, under their person id); counts per kind."""
        if not person_id.startswith("p_"):
            raise ShopformerError(f"{person_id!r} is not a person id (they start with 'p_')")
        removed = self.store.erase_person(person_id)
        removed["support log"] = self._erase_support_logs(person_id)
        return removed

    def _erase_support_logs(self, person_id: str) -> int:
        folder = self.root / SUPPORT_LOGS
        erased = 0
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # not a log this workspace wrote
            if isinstance(saved, dict) and saved.get("person_id") == person_id:
                path.unlink()
                erased += 1
        return erased

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _text_vectors(bundle: ShopModelBundle | None):
    """The shop model's text encoder as a search text-vector function, when it has one."""
    if bundle is None or bundle.tokenizer is None or bundle.model.text is None:
        return None
    return lambda texts: bundle.text_vectors(texts).numpy()

