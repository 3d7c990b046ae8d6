"""What `newsbot compact` should do on PostgreSQL after many deletes: VACUUM alone, or REINDEX the HNSW
index first (pgvector's advice). DESTRUCTIVE: deletes every third article of the database it is given
(use a scratch copy, e.g. a bench/scale_pg.py database), then times the cleanup and measures dense
recall@10 (HNSW vs exact, 30 perturbed stored vectors as queries) before and after.

    .venv/bin/python bench/pg_compact.py 'postgresql://.../scratch_a'               # VACUUM (ANALYZE) only
    .venv/bin/python bench/pg_compact.py 'postgresql://.../scratch_b' --reindex     # REINDEX CONCURRENTLY, then VACUUM
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def recall(store, n: int = 30) -> float:
    con = store.connect()
    store._register_vector(con)
    hits = 0
    with con.cursor() as cur:
        cur.execute("SET hnsw.ef_search = 100")
        cur.execute("SELECT embedding FROM newsbot_chunks ORDER BY id LIMIT %s", (n,))
        rng = np.random.default_rng(1)
        queries = [r[0].to_numpy() + rng.normal(0, 0.05, len(r[0].to_numpy())).astype("float32") for r in cur.fetchall()]
        for q in queries:
            found = []
            for scan in ("on", "off"):  # the HNSW index, then an exact scan
                cur.execute(f"SET enable_indexscan = {scan}")
                cur.execute("SELECT id FROM newsbot_chunks ORDER BY embedding <=> %s LIMIT 10", (q,))
                found.append({r[0] for r in cur.fetchall()})
            hits += len(found[0] & found[1])
    con.close()
    return hits / (10 * len(queries))


def main() -> None:
    from index.pg_store import PgStore

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("--reindex", action="store_true")
    args = ap.parse_args()
    store = PgStore(args.url)
    con = store.connect()
    with con.cursor() as cur:
        cur.execute("SELECT doc_id FROM newsbot_articles ORDER BY seq")
        docs = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT value::int FROM newsbot_meta WHERE key = 'dim'")
        dim = cur.fetchone()[0]
    t = time.perf_counter()
    with store.writer(dim) as w:
        for d in docs[::3]:
            w.delete(d)
    deleted = time.perf_counter() - t
    before = recall(store)
    with con.cursor() as cur:
        t = time.perf_counter()
        if args.reindex:
            cur.execute("REINDEX INDEX CONCURRENTLY newsbot_chunks_embedding")
        rebuilt = time.perf_counter() - t
        cur.execute("VACUUM (ANALYZE) newsbot_chunks")
        total = time.perf_counter() - t
    con.close()
    print(f"deleted {len(docs[::3])} of {len(docs)} articles in {deleted:.1f} s; recall@10 {before:.3f}; "
          + (f"REINDEX CONCURRENTLY {rebuilt:.1f} s, " if args.reindex else "")
          + f"cleanup total {total:.1f} s; recall@10 after {recall(store):.3f}")


if __name__ == "__main__":
    main()
