"""PostgreSQL keyword side, before and after: the previous code's keyword query (git revision BASE,
index/pg_store.py: ts_rank per lexeme, IDF from GIN counts) and the current one (BM25 statistics, one
tsvector read per chunk, MaxScore pruning) timed on the same database, question by question in turn,
so that machine load hits both alike. Also dense search (random unit vectors) and dense + keyword.

    .venv/bin/python bench/pg_keyword_ab.py 'postgresql://...newsbot_scale_100000...' --questions 200
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE = "832f316"  # the last revision with the previous keyword query


def main() -> None:
    from index import pg_store
    from index.config import RetrievalSettings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("--questions", type=int, default=200)
    args = ap.parse_args()
    old_src = ROOT / "bench/out/pg_store_before.py"
    old_src.parent.mkdir(parents=True, exist_ok=True)
    old_src.write_text(subprocess.run(["git", "show", f"{BASE}:index/pg_store.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    spec = importlib.util.spec_from_file_location("pg_store_before", old_src)
    before = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(before)

    s = RetrievalSettings()
    qs = [json.loads(l)["question"] for l in open(ROOT.parent / "shared/data/realtimeqa-2022/questions.jsonl", encoding="utf-8")]
    qs = (qs * (args.questions // len(qs) + 1))[: args.questions]
    new, old = pg_store.PgStore(args.url).load(None), before.PgStore(args.url).load(None)
    for q in qs[:20]:  # warm both
        new.keyword(q, s.bm25_k), old.keyword(q, s.bm25_k)
    rng = np.random.default_rng(0)
    t_new, t_old, t_dense = [], [], []
    for q in qs:
        v = rng.normal(size=new.dim).astype("float32")
        v /= np.linalg.norm(v)
        for out, f in ((t_dense, lambda: new.dense(v, s.dense_k)), (t_new, lambda: new.keyword(q, s.bm25_k)), (t_old, lambda: old.keyword(q, s.bm25_k))):
            t = time.perf_counter()
            f()
            out.append((time.perf_counter() - t) * 1000)
    p = lambda xs: f"p50 {np.percentile(xs, 50):.1f} / p95 {np.percentile(xs, 95):.1f} ms"
    print(f"{len(qs)} questions; keyword now {p(t_new)}; keyword before ({BASE}) {p(t_old)}; dense {p(t_dense)}; "
          f"dense + keyword now {p([a + b for a, b in zip(t_dense, t_new)])}")


if __name__ == "__main__":
    main()
