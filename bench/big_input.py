"""Big inputs (issue 9 item 5): one text file of a single long paragraph, 3.75 / 7.5 / 15 MB.

    nice -n 10 .venv/bin/python bench/big_input.py [--sizes-mb 3.75 7.5 15] [--real-embedder]

Times each stage of a real `ingest` (read + clean, SentenceSplitter chunking, store write) and checks
the cost grows linearly with the size. Embedding is linear by construction (per chunk) and slow on two
cores (~45 chunks/s, ~10 min for 15 MB), so by default a deterministic stand-in vector is used and the
embedding time is estimated from the measured per-chunk rate of the bundled model; --real-embedder
embeds for real. The text is synthetic (sentences of varying words and figures), written to bench/out/.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench/out/big"
DIM = 384


def paragraph(mb: float) -> str:
    words = ("harbour council budget ferry terminal inquiry witness minister storm bridge glacier festival "
             "election court ruling tariff strike vaccine drought flood wildfire satellite").split()
    parts, size, i = [], 0, 0
    while size < mb * 1e6:
        s = f"Line {i} reports that the {words[i % len(words)]} {words[(i * 7) % len(words)]} moved {i * 13 % 997} units on day {i % 31}."
        parts.append(s)
        size += len(s) + 1
        i += 1
    return " ".join(parts)


class StandIn:
    """A constant-cost embedder: the bench is about everything but the model."""

    def get_text_embedding_batch(self, texts, **kw):
        return [[(hash(t) % 97 + 1) / 97.0] + [0.0] * (DIM - 1) for t in texts]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes-mb", type=float, nargs="+", default=[3.75, 7.5, 15])
    ap.add_argument("--real-embedder", action="store_true")
    args = ap.parse_args()

    from index.article import read_paths
    from index.config import IndexSettings
    from index.embedded import EmbeddedStore
    from index.embedding import get_embedder
    from index.ingest import ingest_articles

    settings = IndexSettings()
    real = get_embedder(settings.embed_model, 32)
    t = time.perf_counter()
    sample = [f"Line {i} reports that the harbour council moved {i} units on day {i % 31}. " * 8 for i in range(32)]
    real.get_text_embedding_batch(sample)
    per_chunk = (time.perf_counter() - t) / len(sample)
    embedder = real if args.real_embedder else StandIn()
    print(f"bundled embedder: {1 / per_chunk:.0f} chunks/s on this machine (used to estimate embedding time)" if not args.real_embedder else "",
          flush=True)
    print("| file | read + clean, s | chunk + store write, s | chunks | embedding, s | total, s | s per MB |")
    print("|---|---|---|---|---|---|---|")
    OUT.mkdir(parents=True, exist_ok=True)
    for mb in args.sizes_mb:
        path = OUT / f"paragraph-{mb:g}mb.txt"
        path.write_text(paragraph(mb))
        t0 = time.perf_counter()
        read = read_paths([path], int(settings.max_file_mb * 1e6))
        assert not read.rejected, read.rejected
        t1 = time.perf_counter()
        idx = OUT / f"idx-{mb:g}"
        shutil.rmtree(idx, ignore_errors=True)
        report = ingest_articles(read.articles, EmbeddedStore(idx), settings, embedder, DIM)  # chunk + embed + write
        t2 = time.perf_counter()
        rest = (t2 - t1) - report.embed_seconds
        embed_s = report.embed_seconds if args.real_embedder else report.chunks_total * per_chunk
        total = (t1 - t0) + rest + embed_s
        print(f"| {path.stat().st_size / 1e6:.1f} MB, one paragraph | {t1 - t0:.1f} | {rest:.1f} | {report.chunks_total} | "
              f"{embed_s:.0f}{'' if args.real_embedder else ' (est.)'} | {total:.0f} | {total / mb:.1f} |", flush=True)
        shutil.rmtree(idx, ignore_errors=True)


if __name__ == "__main__":
    main()
