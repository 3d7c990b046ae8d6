"""Corpus side of newsbot: articles -> clean -> chunks -> vectors (FAISS via llama-index) -> retrieval.

Nothing here imports `bot`; the answering layer depends on this package, never the reverse.
"""
