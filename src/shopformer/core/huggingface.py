"""How Shopformer touches the optional Hugging Face stack (transformers, peft): only offline,
and with an error that says what to install when it is missing. Standard library only: the
stack itself is imported by the callers, lazily, inside `offline()`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from shopformer.core.errors import ConfigError

INSTALL_HINT = 'pip install -e ".[external]"'
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_HUB_CONSTANTS = "huggingface_hub.constants"


def missing_extra(error: ImportError) -> ConfigError:
    """The error to raise when transformers or peft cannot be imported."""
    return ConfigError(f"an external text model needs the optional packages transformers and "
                       f"peft ({error.name or error} is not installed); install them with "
                       f"{INSTALL_HINT}")


@contextmanager
def offline() -> Iterator[None]:
    """Every Hugging Face call inside runs offline: a model directory is read, never fetched.

    huggingface_hub reads HF_HUB_OFFLINE once, when it is first imported, so the environment
    covers a first import inside the block and the hub's own flag covers an earlier one; both
    are put back afterwards, so the process's other users of the hub are left as they were.
    """
    saved_environment = {name: os.environ.get(name) for name in OFFLINE_VARIABLES}
    hub = sys.modules.get(_HUB_CONSTANTS)
    saved_flag = getattr(hub, "HF_HUB_OFFLINE", None)
    os.environ.update(dict.fromkeys(OFFLINE_VARIABLES, "1"))
    if hub is not None:
        hub.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        for name, value in saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        hub = sys.modules.get(_HUB_CONSTANTS)
        if hub is not None:  # imported before the block, or for the first time inside it
            hub.HF_HUB_OFFLINE = (saved_flag if saved_flag is not None
                                  else _environment_says_offline())


def _environment_says_offline() -> bool:
    """What huggingface_hub itself would have read from the (restored) environment."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in {"1", "ON", "YES", "TRUE"}
