"""An external Hugging Face text model replaces the built-in text encoder: a tiny BERT written
to a temp directory (nothing downloaded) is adapted with LoRA while its own weights stay
frozen, nothing reaches the network, and a pretrained shop model reloads bit-identically."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import huggingface_hub.constants
import numpy as np
import pytest
import torch
import transformers
from safetensors import safe_open
from tests.train.test_pretrain import POOLS, planted_shop, tiny

from shopformer.core.errors import ConfigError
from shopformer.data.batches import collate
from shopformer.data.external_tokenizer import ExternalTokenizer
from shopformer.model.config import ExternalTextConfig, ShopModelConfig
from shopformer.model.encoders.external_text import ExternalTextEncoder, external_text_config
from shopformer.model.encoders.sequence import EventBatch
from shopformer.model.objectives import OBJECTIVES
from shopformer.model.shop_model import PretrainBatch, ShopModel, TextBatch
from shopformer.train.bundle import ShopModelBundle
from shopformer.train.pretrain import event_batch

LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Special tokens where BERT has them — apart, after unused slots — not at our 0..4.
TOKENS = ["[PAD]", *(f"[unused{i}]" for i in range(19)), "[UNK]", "[CLS]", "[SEP]", "[MASK]",
          *LETTERS, *(f"##{c}" for c in LETTERS), *sorted(w for pool in POOLS.values()
                                                           for w in pool)]
TOKENS += [f"[unused{i}]" for i in range(19, 19 + 500 - len(TOKENS))]
PAD, UNK, CLS, SEP, MASK = (TOKENS.index(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]",
                                                      "[MASK]"))
ITEMS = 20


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def tiny_bert(folder: Path) -> Path:
    """A tiny random BERT and its WordPiece tokenizer, saved like any local model directory."""
    (folder / "vocab.txt").write_text("\n".join(TOKENS) + "\n", encoding="utf-8")
    transformers.BertTokenizer(vocab=str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(TOKENS), hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64,
                                     max_position_embeddings=64,
                                     initializer_range=0.3)  # the spread of trained weights
    transformers.BertModel(config).save_pretrained(folder)
    return folder


def make_model(base: Path) -> tuple[ShopModel, ExternalTokenizer]:
    tokenizer = ExternalTokenizer.from_base(base, max_tokens=16)
    external = ExternalTextConfig(str(base), lora_rank=4, lora_alpha=8, max_tokens=16)
    text = external_text_config(external, pad_id=tokenizer.pad_id, mask_id=tokenizer.mask_id,
                                special_ids=tokenizer.special_ids)
    config = ShopModelConfig(num_items=ITEMS, hidden=32, layers=1, heads=2, max_events=16,
                             dropout=0.0, text=text, external_text=external)
    return ShopModel(config), tokenizer


def text_batch(tokenizer: ExternalTokenizer, generator: torch.Generator) -> PretrainBatch:
    """Free texts of two kinds whose words always come together, and one text per item."""
    kinds = [" ".join(POOLS[kind][:6]) for kind in POOLS]
    texts = [kinds[int(k)] for k in torch.randint(0, 2, (16,), generator=generator)]
    ids, attention = map(torch.from_numpy, tokenizer.encode_batch(texts))
    items = torch.arange(2, 18)
    words = [POOLS["FT"[int(i) % 2]] for i in items]
    titles = [f"{pool[int(i) // 2]} {pool[int(i) // 2 + 1]} {pool[int(i) // 2 + 3]}"
              for i, pool in zip(items, words, strict=True)]
    item_ids, item_attention = map(torch.from_numpy, tokenizer.encode_batch(titles))
    nothing = torch.zeros(1, 1, dtype=torch.long)
    return PretrainBatch(EventBatch(nothing, nothing, nothing, nothing),
                         TextBatch(ids, attention), TextBatch(item_ids, item_attention, items))


def test_external_tokenizer_pads_cuts_and_round_trips(base, tmp_path):
    tokenizer = ExternalTokenizer.from_base(base, max_tokens=8)
    assert (tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id, tokenizer.mask_id) == \
        (PAD, UNK, CLS, MASK)
    assert tokenizer.special_ids == (PAD, UNK, CLS, SEP, MASK) and tokenizer.vocab_size == 500
    ids, attention = tokenizer.encode_batch(["fresh apple", " ".join(POOLS["T"])])
    assert ids.dtype == np.int64 and attention.dtype == bool and ids.shape == (2, 8)
    assert ids[0, :4].tolist() == [CLS, TOKENS.index("fresh"), TOKENS.index("apple"), SEP]
    assert (ids[0, 4:] == PAD).all() and not attention[0, 4:].any() and attention[1].all()
    tokenizer.save(tmp_path / "tokenizer")
    again = ExternalTokenizer.load(tmp_path / "tokenizer")
    assert again.max_tokens == 8 and again.special_ids == tokenizer.special_ids
    assert again.encode_batch(["ripe mango usb zzz"])[0].tolist() == \
        tokenizer.encode_batch(["ripe mango usb zzz"])[0].tolist()


def test_lora_adapts_a_frozen_base(base):
    torch.manual_seed(0)
    model, tokenizer = make_model(base)
    text = model.text
    assert isinstance(text, ExternalTextEncoder)
    assert (text.config.hidden, text.config.vocab_size) == (32, 500)
    parameters = dict(text.base.named_parameters())
    trainable = {name for name, p in parameters.items() if p.requires_grad}
    assert trainable and all("lora_" in name for name in trainable)
    assert {name.split(".")[-4] for name in trainable} == {"query", "value"}
    ids, attention = map(torch.from_numpy, tokenizer.encode_batch(["fresh apple", "usb mouse"]))
    model.eval()
    with torch.no_grad():
        before = text(ids, attention)
        assert model.token_logits(before).shape == (*ids.shape, 500)  # tied to BERT's words
        for name, parameter in parameters.items():  # B starts at zero: the base's own output
            if "lora_B" in name:
                parameter.normal_()
        after = text(ids, attention)
    assert before.shape == (2, ids.shape[1], 32)
    assert not torch.allclose(before, after), "the adapters are not on the forward path"


@pytest.mark.parametrize(("name", "share"), [("masked_language", 0.8),
                                             ("text_item_alignment", 0.5)])
def test_lora_alone_lowers_the_loss_and_leaves_the_base_alone(base, name, share):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model, tokenizer = make_model(base)
    with torch.no_grad():  # each item's behaviour, for its text to point at
        model.items.ids.weight[2:18] = torch.randn(16, 32, generator=generator)
    frozen = {n: p.detach().clone() for n, p in model.text.base.named_parameters()
              if not p.requires_grad}
    objective = OBJECTIVES.get(name)()
    adapters = [p for n, p in model.named_parameters() if "lora_" in n]  # nothing else
    optimizer = torch.optim.Adam(adapters, lr=1e-2)
    losses = []
    for _ in range(60):
        batch = text_batch(tokenizer, generator)
        assert objective.available(model, batch)
        loss = objective.loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    early, late = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert late < share * early, f"{name}: {early:.3f} → {late:.3f}"
    for n, p in model.text.base.named_parameters():
        if n in frozen:
            assert torch.equal(p, frozen[n]), n


def test_masked_language_uses_the_external_special_ids(base, monkeypatch):
    torch.manual_seed(1)
    model, tokenizer = make_model(base)
    seen: list[torch.Tensor] = []
    forward = model.text.forward
    monkeypatch.setattr(model.text, "forward",
                        lambda ids, attention: seen.append(ids) or forward(ids, attention))
    batch = text_batch(tokenizer, torch.Generator().manual_seed(1))
    OBJECTIVES.get("masked_language")().loss(model, batch)
    original, corrupted = batch.texts.ids, seen[0]
    changed = corrupted != original
    assert (corrupted[changed] == MASK).sum() > 0  # BERT's [MASK], not our id 4
    assert not torch.isin(original[changed], torch.tensor([PAD, CLS, SEP])).any()
    assert not torch.isin(corrupted[changed], torch.tensor([PAD, UNK, CLS, SEP])).any()


def test_the_base_is_read_offline_only(base, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    calls = []
    for auto in (transformers.AutoConfig, transformers.AutoModel, transformers.AutoTokenizer):
        def spy(*args, _load=auto.from_pretrained, _kind=auto.__name__, **kwargs):
            calls.append((_kind, kwargs.get("local_files_only"),
                          huggingface_hub.constants.is_offline_mode()))
            return _load(*args, **kwargs)

        monkeypatch.setattr(auto, "from_pretrained", spy)
    flag = huggingface_hub.constants.HF_HUB_OFFLINE
    model, tokenizer = make_model(base)
    assert isinstance(model.text, ExternalTextEncoder) and tokenizer.vocab_size == 500
    assert {kind for kind, _, _ in calls} == {"AutoConfig", "AutoModel", "AutoTokenizer"}
    assert all(local and offline for _, local, offline in calls), calls
    assert flag == huggingface_hub.constants.HF_HUB_OFFLINE  # put back as it was


def test_missing_packages_say_what_to_install(base, monkeypatch):
    monkeypatch.setitem(sys.modules, "peft", None)  # as if never installed
    with pytest.raises(ConfigError, match=re.escape('pip install -e ".[external]"')):
        make_model(base)


def test_importing_shopformer_does_not_load_transformers_or_peft():
    code = ("import sys, shopformer.train.pretrain, shopformer.train.bundle, "
            "shopformer.data.external_tokenizer, shopformer.model.encoders.external_text; "
            "print([m for m in ('transformers', 'peft') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_workspace_pretrains_saves_and_reloads_bit_identically(workspace, base, tmp_path):
    copy = shutil.copytree(base, tmp_path / "bert")
    workspace.ingest(planted_shop(tmp_path / "export"))
    _, bundle = workspace.pretrain(tiny(epochs=1, external_text_model=str(copy)),
                                   show_progress=False)
    assert isinstance(bundle.model.text, ExternalTextEncoder)
    assert {"masked_language", "text_item_alignment"} <= set(bundle.metrics["objectives"])
    assert "loss_masked_language" in bundle.metrics["history"][0]
    folder = workspace.models.path("shop")
    saved = json.loads((folder / "config.json").read_text())
    assert saved["model"]["external_text"]["path"] == str(copy.resolve())
    with safe_open(str(folder / "model.safetensors"), "pt") as tensors:
        keys = set(tensors.keys())
    base_keys = {k for k in keys if k.startswith("text.base.")}
    assert base_keys and all("lora_" in k for k in base_keys)  # adapters only, no BERT copy
    assert "items.ids.weight" in keys and "text.bag_norm.weight" in keys

    again = workspace.shop_model()
    sequences = workspace.pretraining_data(tiny()).sequences
    spans = np.stack([sequences.offsets[:-1], sequences.offsets[1:]], axis=1)
    events = event_batch(collate(sequences, spans))
    titles = [" ".join(POOLS["F"][:4]), "gaming laptop usb cable"]
    ids, attention = map(torch.from_numpy, again.tokenizer.encode_batch(titles))
    with torch.no_grad():
        assert torch.equal(bundle.model.last_state(events), again.model.last_state(events))
        assert torch.equal(bundle.item_vectors(), again.item_vectors())
        texts = TextBatch(ids, attention)
        assert torch.equal(bundle.model.text_vectors(texts), again.model.text_vectors(texts))
    assert again.tokenizer.encode_batch(titles)[0].tolist() == \
        bundle.tokenizer.encode_batch(titles)[0].tolist()

    shutil.rmtree(copy)
    with pytest.raises(ConfigError, match=re.escape(str(copy.resolve()))):
        ShopModelBundle.from_pretrained(folder)
