"""FAISS vector segments: immutable files in faiss's binary format, memory-mapped when read.

A write adds one small segment; deletes are tombstones (the chunk row is gone from SQLite, so the
vector's hits are dropped); `plan_merges` folds segments of one size tier together so a write stays
cheap while the number of segments stays logarithmic. Small segments are exact (IndexFlatIP over
normalised vectors = cosine); a segment of `IVF_MIN` vectors or more is IVF-Flat (2·√n lists, `nprobe`
probed per query), which keeps a 1M-vector search within the latency budget on two cores.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

MERGE_FACTOR = 8  # this many segments of one tier are merged into one of the next tier
AUTO_MERGE_MAX = 50_000  # a write merges automatically only up to this many vectors (~0.5 s); bigger
# merges wait for `newsbot compact` or the end of a bulk ingest, so adding one article stays cheap
IVF_MIN = 200_000  # segments this big are IVF-Flat; smaller ones exact flat
IVF_NPROBE = 48  # lists probed per query (tuned by bench/scale.py for recall@10 >= 0.95)
IVF_TRAIN = 60_000  # vectors sampled to train the coarse quantiser


def _faiss():
    import faiss

    return faiss


def build(vectors: np.ndarray):
    """A segment index over `vectors` (rows = positions 0..n-1)."""
    faiss = _faiss()
    n, dim = vectors.shape
    vectors = np.ascontiguousarray(vectors, dtype="float32")
    if n < IVF_MIN:
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index
    nlist = int(2 * math.sqrt(n))  # ~2000 lists at 1M: ~500 vectors each
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 12  # k-means iterations: training time matters on 2 cores, recall is checked by bench/scale.py
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(n, size=min(n, max(IVF_TRAIN, nlist * 30)), replace=False)]
    index.train(sample)
    index.add(vectors)
    index.make_direct_map()  # reconstruct(pos): BM25-only hits need their vector, merges need all
    return index


def write(index, path: Path) -> None:
    """Write to a temporary name, fsync, then rename: a reader or a crash never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    _faiss().write_index(index, str(tmp))
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path):
    """Memory-mapped where faiss supports it for the index type, so opening costs no copy into RAM and
    processes share the pages; falls back to a plain read."""
    faiss = _faiss()
    for flag in ("IO_FLAG_MMAP_IFC", "IO_FLAG_MMAP"):
        if hasattr(faiss, flag):
            try:
                index = faiss.read_index(str(path), getattr(faiss, flag) | faiss.IO_FLAG_READ_ONLY)
                break
            except RuntimeError:
                continue
    else:
        index = faiss.read_index(str(path))
    ivf = _ivf(index)
    if ivf is not None:
        ivf.nprobe = IVF_NPROBE
    return index


def _ivf(index):
    faiss = _faiss()
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def search(index, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    k = min(k, index.ntotal)
    if k <= 0:
        return np.empty(0, dtype="float32"), np.empty(0, dtype="int64")
    scores, positions = index.search(vector.reshape(1, -1), k)
    keep = positions[0] >= 0
    return scores[0][keep], positions[0][keep]


def reconstruct(index, positions: list[int]) -> np.ndarray:
    if not positions:
        return np.empty((0, index.d), dtype="float32")
    if len(positions) > 64:  # one bulk copy beats a Python call per vector
        try:
            return np.ascontiguousarray(index.reconstruct_n(0, index.ntotal)[np.asarray(positions)], dtype="float32")
        except RuntimeError:
            pass
    return np.vstack([index.reconstruct(int(p)) for p in positions]).astype("float32")


def tier(count: int) -> int:
    return 0 if count <= 1 else int(math.log(count, MERGE_FACTOR))


def plan_merges(segments: list[tuple[int, int]]) -> list[list[int]]:
    """Given (segment_id, live vectors), the groups to merge: every tier holding MERGE_FACTOR or more
    segments is merged into one (the result may cascade into the next tier on a later write)."""
    by_tier: dict[int, list[tuple[int, int]]] = {}
    for sid, count in segments:
        by_tier.setdefault(tier(count), []).append((sid, count))
    return [[sid for sid, _ in group] for group in by_tier.values()
            if len(group) >= MERGE_FACTOR and sum(c for _, c in group) <= AUTO_MERGE_MAX]
