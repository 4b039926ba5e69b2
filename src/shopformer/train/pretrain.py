"""Self-supervised pretraining of the shop model on the shop's own data.

One loop for every objective: each step draws a batch of person sequences (grouped by
length), a few free texts and a few item texts, and sums the weighted losses of the
objectives whose data is there. Each epoch ends with next-item NDCG@10 on held-out last
events; the best epoch is kept, training stops when it stops improving or the time is up.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from shopformer.core.errors import ConfigError
from shopformer.data.batches import (
    SequenceBatch,
    collate,
    item_frequency,
    length_batches,
    windows,
)
from shopformer.data.external_tokenizer import ExternalTokenizer, TextTokenizer
from shopformer.data.sequences import PersonSequences
from shopformer.data.text_corpus import ItemText
from shopformer.data.tokenizer import ShopTokenizer
from shopformer.data.vocab import ShopVocabulary
from shopformer.metrics.ranking import hit_rate, ndcg
from shopformer.model.config import (
    FIRST_ID,
    ExternalTextConfig,
    ShopModelConfig,
    TextEncoderConfig,
)
from shopformer.model.encoders.external_text import external_text_config
from shopformer.model.objectives import OBJECTIVES, Objective
from shopformer.model.shop_model import PretrainBatch, ShopModel, TextBatch
from shopformer.train.bundle import ShopModelBundle
from shopformer.train.checkpoint import load_checkpoint, save_checkpoint
from shopformer.train.cold_start import fill_cold_items
from shopformer.train.config import PretrainConfig
from shopformer.train.evaluate import event_batch, next_item_ranks, popularity_ranks

log = logging.getLogger(__name__)
WARMUP_STEPS = 100


@dataclass
class PretrainData:
    """Everything pretraining reads, already out of the store."""

    vocab: ShopVocabulary
    sequences: PersonSequences
    item_texts: list[ItemText]
    texts: list[str]


class Pretrainer:
    def __init__(self, config: PretrainConfig) -> None:
        self.config = config
        self._tokenizer_in_use: TextTokenizer | None = None

    def fit(self, data: PretrainData, checkpoint_dir: Path | None = None,
            show_progress: bool = True, initial: ShopModelBundle | None = None
            ) -> ShopModelBundle:
        """Train on `data`; from `initial`'s weights and tokenizer when given (fine-tuning a
        pretrained model with other objectives), otherwise from scratch."""
        config = self.config
        torch.manual_seed(config.seed)
        torch.set_num_threads(config.threads or torch.get_num_threads())
        rng = np.random.default_rng(config.seed)
        tokenizer = initial.tokenizer if initial is not None else self._tokenizer(data)
        self._tokenizer_in_use = tokenizer
        if initial is not None:
            if initial.vocab.items.values != data.vocab.items.values:
                raise ConfigError("the pretrained model knows a different catalog than this "
                                  "data; pretrain again on the current store first")
            model = ShopModel(copy.deepcopy(initial.model.config))
            model.load_own_state_dict(initial.model.own_state_dict())
        else:
            model = ShopModel(self._model_config(data, tokenizer))
        self._fill_item_side(model, data.vocab)
        item_texts = self._item_text_batch(data, tokenizer)
        validation, held_out = self._validation(data.sequences, rng)
        spans = windows(data.sequences, config.max_events, held_out)
        frequency = None
        if config.logq_frequency:
            counted = item_frequency(data.sequences, spans, model.config.num_items)
            frequency = torch.from_numpy(counted)
        objectives = {name: OBJECTIVES.get(name)(negatives=config.negatives,
                                                 item_frequency=frequency)
                      for name, _ in OBJECTIVES.items()
                      if getattr(config.objectives, name, 0) > 0}
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate,
                                      weight_decay=config.weight_decay)
        state = {"epoch": 0, "step": 0, "best": -1.0, "best_epoch": 0, "history": [],
                 "seconds": 0.0, "lr_scale": 1.0}
        if checkpoint_dir and (checkpoint_dir / "state.json").exists():
            state = load_checkpoint(checkpoint_dir, model, optimizer, rng)
            state.setdefault("lr_scale", 1.0)  # checkpoints from before lr_decay
            log.info("resumed from %s at epoch %d", checkpoint_dir, state["epoch"])
        best_state = copy.deepcopy(model.own_state_dict())  # no copy of a frozen base
        started = time.perf_counter() - state["seconds"]
        stale = state["epoch"] - state["best_epoch"]
        # Finishing trains on every event; only then are its windows worth cutting.
        finishing = config.finish_epochs > 0 and held_out.any()
        finish_spans = windows(data.sequences, config.max_events) if finishing else spans
        finish_share = _events_in(finish_spans) / max(_events_in(spans), 1)
        with _progress(show_progress) as progress:
            while state["epoch"] < config.epochs and stale < config.patience:
                if item_texts is not None:
                    model.refresh_item_text(item_texts)
                epoch = self._epoch(model, data, spans, objectives, optimizer, rng, item_texts,
                                    state, progress, started)
                if item_texts is not None:  # the text encoder moved on during the epoch
                    model.refresh_item_text(item_texts)
                score = self._validate(model, data.sequences, validation)
                state["epoch"] += 1
                state["seconds"] = time.perf_counter() - started
                epoch.update(epoch=state["epoch"], elapsed_seconds=round(state["seconds"], 1),
                             **score)
                state["history"].append(epoch)
                log.info("epoch %d: %s", state["epoch"], epoch)
                if score["validation_ndcg@10"] > state["best"]:
                    state["best"], state["best_epoch"] = score["validation_ndcg@10"], state["epoch"]
                    best_state = copy.deepcopy(model.own_state_dict())
                stale = state["epoch"] - state["best_epoch"]
                if stale:
                    state["lr_scale"] *= config.lr_decay
                if checkpoint_dir:
                    save_checkpoint(checkpoint_dir, model, optimizer, rng, state)
                # Keep time for the finishing epochs: each about this epoch's length, longer
                # by the share of held-out events it adds.
                reserve = config.finish_epochs * epoch["seconds"] * finish_share
                if self._out_of_time(started, reserve):
                    break
            model.load_own_state_dict(best_state)
            if finishing:
                state["finish"] = self._finish(model, data, finish_spans, objectives,
                                               optimizer, rng, item_texts, state, progress,
                                               started)
        model.eval()
        metrics = self._metrics(state, data, objectives)
        metrics["validation_events"] = len(validation)  # one held-out event per person
        if len(validation):  # what the same held-out events read under plain popularity
            popular = popularity_ranks(data.sequences,
                                       data.sequences.offsets[validation + 1] - 1)
            metrics["popularity_ndcg@10"] = round(ndcg(popular, 10), 5)
        if tokenizer is not None and data.item_texts:
            warm = np.zeros(len(data.vocab.items), bool)
            warm[np.unique(data.sequences.items)] = True
            items = data.vocab.items.index([t.item_id for t in data.item_texts])
            metrics["cold_items_from_text"] = fill_cold_items(
                model, tokenizer, items, [t.text for t in data.item_texts], warm)
        return ShopModelBundle(model, data.vocab, tokenizer, metrics)

    # --- setup ------------------------------------------------------------------------
    def _tokenizer(self, data: PretrainData) -> TextTokenizer | None:
        corpus = [t.text for t in data.item_texts] + data.texts
        if len(corpus) < self.config.min_texts:
            log.info("only %d texts: no text encoder, text objectives off", len(corpus))
            return None
        external = self._external_text()
        if external is not None:  # the base model only knows its own tokens
            return ExternalTokenizer.from_base(external.path, external.max_tokens)
        return ShopTokenizer.train(corpus, self.config.tokenizer)

    def _external_text(self) -> ExternalTextConfig | None:
        config = self.config
        if config.external_text_model is None:
            return None
        # Absolute, so that the saved model finds its base from any working directory.
        path = Path(config.external_text_model).expanduser().resolve()
        return ExternalTextConfig(str(path), lora_rank=config.lora_rank,
                                  lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                                  max_tokens=config.tokenizer.max_tokens)

    def _model_config(self, data: PretrainData, tokenizer: TextTokenizer | None
                      ) -> ShopModelConfig:
        config = self.config
        text = None
        external = self._external_text() if tokenizer is not None else None
        if external is not None:
            text = external_text_config(external, pad_id=tokenizer.pad_id,
                                        mask_id=tokenizer.mask_id,
                                        special_ids=tokenizer.special_ids)
            if tokenizer.vocab_size > text.vocab_size:
                raise ConfigError(f"{external.path}: the tokenizer has {tokenizer.vocab_size} "
                                  f"tokens but the model embeds only {text.vocab_size}")
        elif tokenizer is not None:
            text = TextEncoderConfig(vocab_size=tokenizer.vocab_size, hidden=config.text_hidden,
                                     layers=config.text_layers, heads=config.text_heads,
                                     ffn=config.text_hidden * 2,
                                     max_tokens=config.tokenizer.max_tokens,
                                     pad_id=tokenizer.pad_id, mask_id=tokenizer.mask_id,
                                     special_ids=tokenizer.special_ids)
        vocab = data.vocab
        return ShopModelConfig(
            num_items=len(vocab.items), num_categories=len(vocab.categories),
            num_event_types=len(vocab.types), num_channels=len(vocab.channels),
            hidden=config.hidden, layers=config.layers, heads=config.heads,
            max_events=config.max_events, dropout=config.dropout, item_norm=config.item_norm,
            # Hiding ids teaches item vectors to lean on text; with no text there is nothing
            # to lean on, and the dropout only blurs what behaviour says about each item.
            item_id_dropout=config.item_id_dropout if text is not None else 0.0,
            text=text, external_text=external)

    @staticmethod
    def _fill_item_side(model: ShopModel, vocab: ShopVocabulary) -> None:
        model.items.item_category.copy_(torch.tensor(vocab.item_category, dtype=torch.long))
        model.items.item_price.copy_(torch.tensor(vocab.item_price, dtype=torch.long))

    @staticmethod
    def _item_text_batch(data: PretrainData, tokenizer: TextTokenizer | None
                         ) -> TextBatch | None:
        if tokenizer is None or not data.item_texts:
            return None
        ids, attention = tokenizer.encode_batch([t.text for t in data.item_texts])
        items = data.vocab.items.index([t.item_id for t in data.item_texts])
        return TextBatch(torch.from_numpy(ids), torch.from_numpy(attention),
                         torch.from_numpy(items))

    def _validation(self, sequences: PersonSequences, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Persons whose last event is held out for the epoch metric (3+ events each)."""
        eligible = np.flatnonzero(sequences.lengths >= 3)
        chosen = np.sort(rng.choice(eligible, min(len(eligible),
                                                  self.config.validation_persons),
                                    replace=False)) if len(eligible) else eligible
        held_out = np.zeros(len(sequences), np.int64)
        held_out[chosen] = 1
        return chosen, held_out

    # --- training ---------------------------------------------------------------------
    def _epoch(self, model: ShopModel, data: PretrainData, spans: np.ndarray,
               objectives: dict[str, Objective], optimizer: torch.optim.Optimizer,
               rng: np.random.Generator, item_texts: TextBatch | None, state: dict,
               progress: Progress, started: float | None) -> dict:
        """One pass over `spans`; `started` None: not cut short by the time budget."""
        config = self.config
        model.train()
        steps = math.ceil(len(spans) / config.batch_size)
        task = progress.add_task(f"epoch {state['epoch'] + 1}", total=steps, loss=float("nan"),
                                 speed=0.0)
        totals: dict[str, float] = {}
        events = done = 0
        clock = time.perf_counter()
        for indices in length_batches(spans, config.batch_size, rng):
            batch = self._batch(collate(data.sequences, spans[indices]), data, item_texts, rng)
            events += int((batch.events.items != 0).sum())
            with torch.autocast("cpu", dtype=torch.bfloat16,
                                enabled=config.precision == "bf16"):
                losses = {name: objective.loss(model, batch) for name, objective in
                          objectives.items() if objective.available(model, batch)}
            loss = sum(getattr(config.objectives, n) * v for n, v in losses.items())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[union-attr]
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            self._set_learning_rate(optimizer, state["step"], state["lr_scale"])
            optimizer.step()
            state["step"] += 1
            done += 1
            for name, value in losses.items():
                totals[name] = totals.get(name, 0.0) + float(value.detach())
            speed = events / max(time.perf_counter() - clock, 1e-9)
            progress.update(task, advance=1, loss=float(loss.detach()), speed=speed)
            if started is not None and self._out_of_time(started):
                break
        progress.remove_task(task)
        seconds = time.perf_counter() - clock
        return {"seconds": round(seconds, 2), "events_per_second": round(events / seconds, 1),
                "learning_rate": config.learning_rate * state["lr_scale"],
                **{f"loss_{n}": round(v / max(done, 1), 4) for n, v in totals.items()},
                "steps": done}

    def _finish(self, model: ShopModel, data: PretrainData, spans: np.ndarray,
                objectives: dict[str, Objective], optimizer: torch.optim.Optimizer,
                rng: np.random.Generator, item_texts: TextBatch | None, state: dict,
                progress: Progress, started: float) -> dict:
        """The finishing epochs from the best epoch's weights, on every event. The
        validation events are training data from here on, so nothing is validated."""
        began = time.perf_counter()
        epochs = []
        for _ in range(self.config.finish_epochs):
            if item_texts is not None:
                model.refresh_item_text(item_texts)
            epochs.append(self._epoch(model, data, spans, objectives, optimizer, rng,
                                      item_texts, state, progress, None))
        if item_texts is not None:
            model.refresh_item_text(item_texts)
        state["seconds"] = time.perf_counter() - started
        log.info("finished on every event: %s", epochs)
        return {"epochs": len(epochs), "seconds": round(time.perf_counter() - began, 1),
                "history": epochs}

    def _batch(self, sequences: SequenceBatch, data: PretrainData,
               item_texts: TextBatch | None, rng: np.random.Generator) -> PretrainBatch:
        texts = None
        if self._tokenizer_in_use is not None and data.texts:
            chosen = rng.choice(len(data.texts), min(self.config.text_batch, len(data.texts)),
                                replace=False)
            texts = self._tokenize([data.texts[i] for i in chosen])
        sampled_items = None
        if item_texts is not None:
            chosen = rng.choice(len(item_texts.ids), min(self.config.text_batch,
                                                          len(item_texts.ids)), replace=False)
            chosen_t = torch.from_numpy(chosen)
            width = int(item_texts.attention[chosen_t].sum(1).max())
            sampled_items = TextBatch(item_texts.ids[chosen_t, :width],
                                      item_texts.attention[chosen_t, :width],
                                      item_texts.items[chosen_t])  # type: ignore[index]
        return PretrainBatch(event_batch(sequences), texts, sampled_items)

    def _tokenize(self, texts: list[str]) -> TextBatch:
        ids, attention = self._tokenizer_in_use.encode_batch(texts)
        return TextBatch(torch.from_numpy(ids), torch.from_numpy(attention))

    def _set_learning_rate(self, optimizer: torch.optim.Optimizer, step: int, scale: float
                           ) -> None:
        """A short warm-up, then the configured rate times the decay so far."""
        factor = min(1.0, (step + 1) / WARMUP_STEPS) * scale
        for group in optimizer.param_groups:
            group["lr"] = self.config.learning_rate * factor

    def _out_of_time(self, started: float, reserve: float = 0.0) -> bool:
        """Whether the budget is spent, `reserve` seconds of it kept for later."""
        budget = self.config.max_minutes
        return budget is not None and time.perf_counter() - started + reserve > budget * 60

    # --- evaluation -------------------------------------------------------------------
    def _validate(self, model: ShopModel, sequences: PersonSequences, persons: np.ndarray
                  ) -> dict[str, float]:
        if not len(persons):
            return {"validation_ndcg@10": 0.0, "validation_hr@10": 0.0}
        last = sequences.offsets[persons + 1] - 1
        found = next_item_ranks(model, sequences, persons, last)
        return {"validation_ndcg@10": round(ndcg(found, 10), 5),
                "validation_hr@10": round(hit_rate(found, 10), 5)}

    def _metrics(self, state: dict, data: PretrainData, objectives: dict) -> dict:
        history = state["history"]
        speeds = [h["events_per_second"] for h in history if h.get("events_per_second")]
        return {"best_epoch": state["best_epoch"], "epochs": state["epoch"],
                "validation_ndcg@10": state["best"], "train_seconds": round(state["seconds"], 1),
                "events_per_second": round(float(np.median(speeds)), 1) if speeds else None,
                "persons": len(data.sequences), "events": data.sequences.events,
                "items": len(data.vocab.items) - FIRST_ID, "objectives": sorted(objectives),
                "config": self.config.to_dict(), "history": history,
                "finish": state.get("finish")}


def _events_in(spans: np.ndarray) -> int:
    return int((spans[:, 1] - spans[:, 0]).sum())


def _progress(show: bool) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total} steps"),
               TextColumn("loss {task.fields[loss]:.3f}"),
               TextColumn("{task.fields[speed]:,.0f} events/s"), TimeElapsedColumn())
    return Progress(*columns, disable=not show, transient=True)
