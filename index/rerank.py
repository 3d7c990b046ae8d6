"""Optional second-stage reranking of fused hits. A cross-encoder reads question and passage together,
which sees more than two separate embeddings; none is bundled, so it runs only when configured
(`retrieval.reranker: /path/to/cross-encoder`, any sentence-transformers CrossEncoder model on disk)."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol


class Reranker(Protocol):
    def scores(self, query: str, passages: list[str]) -> list[float]: ...


class CrossEncoderReranker:
    def __init__(self, model: str) -> None:
        from sentence_transformers import CrossEncoder

        from index.embedding import resolve_model

        self._model = CrossEncoder(resolve_model(model), device="cpu")

    def scores(self, query: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        return [float(s) for s in self._model.predict([(query, p) for p in passages], show_progress_bar=False)]


@lru_cache(maxsize=2)
def get_reranker(model: str | None) -> Reranker | None:
    return CrossEncoderReranker(model) if model else None
