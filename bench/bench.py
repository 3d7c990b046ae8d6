"""Speed and memory figures for the README: ingest throughput, duplicate handling, retrieval and warm
answer latency on the sample corpus with the configured LLM (default: bundled SmolLM2 via llama.cpp).

    .venv/bin/python bench/bench.py [--config FILE] [--rounds N]

Prints one table; nothing here asserts a target (targets are read off the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TQDM_DISABLE", "1")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--rounds", type=int, default=3, help="passes over the questions for latency")
    args = ap.parse_args()

    from rich.console import Console
    from rich.table import Table

    from bot.config import load_settings
    from bot.evaluate import percentile as pct
    from bot.service import Newsbot

    settings = load_settings(args.config)
    questions = [json.loads(l)["question"] for l in (ROOT / "bench/data/gold_sample.jsonl").read_text().splitlines()
                 if l.strip() and not json.loads(l).get("conversation")]
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        bot = Newsbot(settings, index_dir=Path(tmp) / "index")
        rows.append(("model load (embedder + LLM)", f"{time.perf_counter() - t:.2f} s"))

        stress = ROOT / "bench/data/stress/corpus.jsonl"
        report = bot.ingest([ROOT / "corpus", stress])
        rows.append(("ingest: articles / chunks", f"{report.added} / {report.chunks_total}"))
        rows.append(("ingest: embedding throughput", f"{report.chunks_embedded / report.embed_seconds:.0f} chunks/s"))
        t = time.perf_counter()
        again = bot.ingest([ROOT / "corpus", stress])
        rows.append(("re-ingest unchanged (nothing embedded)", f"{time.perf_counter() - t:.2f} s, {again.chunks_embedded} chunks embedded"))

        # The same text under three ids: embedded once.
        text = (ROOT / "corpus/001_262b19c4243f2b1a.txt").read_text()
        dup = Path(tmp) / "dups.jsonl"
        dup.write_text("\n".join(json.dumps({"id": f"copy-{i}", "text": text}) for i in range(3)) + "\n")
        d = bot.ingest([dup])
        rows.append(("3 copies of an indexed text", f"{d.added} added, {d.duplicates} duplicates, {d.chunks_embedded} chunks embedded"))

        retriever = bot._state[1]
        for q in questions:  # warm-up: model caches, BM25 index, sentence vectors
            bot.ask(q)
        retrieve, total, generate = [], [], []
        modes: dict[str, int] = {}
        for _ in range(args.rounds):
            for q in questions:
                t = time.perf_counter()
                retriever.search(q)
                retrieve.append((time.perf_counter() - t) * 1000)
                a = bot.ask(q)
                total.append(a.timings_ms["total"])
                generate.append(a.timings_ms["generate"])
                modes[a.mode] = modes.get(a.mode, 0) + 1
        n = bot.corpus.chunk_count
        rows.append((f"retrieval (hybrid, {n} chunks) p50 / p95", f"{pct(retrieve, 50):.1f} / {pct(retrieve, 95):.1f} ms"))
        rows.append((f"warm answer, llm={settings.llm.backend} p50 / p95", f"{pct(total, 50):.0f} / {pct(total, 95):.0f} ms"))
        rows.append(("  of which generation p50", f"{pct(generate, 50):.0f} ms"))
        rows.append(("answers by mode", ", ".join(f"{k} {v}" for k, v in sorted(modes.items()))))
        rows.append(("peak memory (RSS)", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"))

    table = Table(title=f"newsbot bench ({os.cpu_count()} cores, {len(questions)} questions x {args.rounds})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for k, v in rows:
        table.add_row(k, v)
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
