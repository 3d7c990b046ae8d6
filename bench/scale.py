"""Scale bench for the embedded store: indexes of 10k, 100k and 1M chunks from real article text.

    nice -n 10 .venv/bin/python bench/scale.py embed [--max-chunks N]   # once: chunks + vectors -> bench/out/scale/
    nice -n 10 .venv/bin/python bench/scale.py run --sizes 10000 100000 1000000

`embed` reads ../shared/data/realtimeqa-2022/corpus.jsonl through the normal reader (cleaning, chunking)
and embeds every chunk once with the bundled embedder (the slow part: ~45 chunks/s on 2 cores); the
vectors are cached in bench/out/scale/ (gitignored, never committed). `run` builds each index from those
cached chunks, reused with varied doc_ids to reach the size; copies get their vector plus a little
deterministic noise (renormalised) so that no two vectors are identical and recall@10 is well defined.
Everything else is timed for real: writes (SQLite rows, FTS5, FAISS segments, merges), adding one new
article with the real embedder, cold start of `newsbot ask` in a fresh process, retrieval, memory, disk.
The data is read from ../shared/data (never copied into the repo).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared/data/realtimeqa-2022"
OUT = ROOT / "bench/out/scale"
DIM = 384


def _articles():
    from index.article import read_paths

    read = read_paths([DATA / "corpus.jsonl"], int(200e6))
    return read.articles


def cmd_embed(args) -> None:
    """Chunk every article once and embed the chunks (resumable: parts already saved are kept)."""
    from index.chunking import chunk_article, embedding_text, make_splitter
    from index.config import IndexSettings
    from index.embedding import get_embedder

    OUT.mkdir(parents=True, exist_ok=True)
    s = IndexSettings()
    splitter = make_splitter(s.chunk_size, s.chunk_overlap)
    chunks_path = OUT / "chunks.jsonl"
    if not chunks_path.exists():
        rows = []
        t = time.perf_counter()
        for a in _articles():
            for n in chunk_article(a, splitter):
                rows.append({"doc_id": a.doc_id, "chunk_id": n.id_, "start": n.start_char_idx, "end": n.end_char_idx,
                             "text": embedding_text(n)})
        with open(chunks_path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"chunked {len(rows)} chunks in {time.perf_counter() - t:.1f}s", flush=True)
    rows = [json.loads(l) for l in open(chunks_path, encoding="utf-8")]
    limit = min(len(rows), args.max_chunks or len(rows))
    embedder = get_embedder(s.embed_model, 64)
    part = 5000
    t0 = time.perf_counter()
    done = 0
    for start in range(0, limit, part):
        path = OUT / f"vectors-{start:07d}.npy"
        end = min(start + part, limit)
        if path.exists() and len(np.load(path, mmap_mode="r")) == end - start:
            continue
        t = time.perf_counter()
        vecs = embedder.get_text_embedding_batch([r["text"] for r in rows[start:end]])
        np.save(path, np.asarray(vecs, dtype="float32"))
        done += end - start
        print(f"embedded {end}/{limit} ({(end - start) / (time.perf_counter() - t):.1f} chunks/s)", flush=True)
    if done:
        (OUT / "embed_rate.json").write_text(json.dumps({"chunks": done, "seconds": time.perf_counter() - t0}))
    print("done", flush=True)


def _cached():
    """The cached chunks that have vectors (whole articles only) and their vector matrix."""
    rows = [json.loads(l) for l in open(OUT / "chunks.jsonl", encoding="utf-8")]
    parts = sorted(OUT.glob("vectors-*.npy"))
    vectors = np.concatenate([np.load(p) for p in parts]) if parts else np.empty((0, DIM), dtype="float32")
    rows = rows[: len(vectors)]
    if len(rows) < len(json.loads("[]")) + 1:
        sys.exit("no cached vectors: run `bench/scale.py embed` first")
    cut = rows[-1]["doc_id"]  # the last article may be cut at the end of the embedded range: drop it
    n = next((i for i, r in enumerate(rows) if r["doc_id"] == cut), len(rows))
    return rows[:n], vectors[:n]


def _groups(rows):
    """(doc_id, [row indexes]) in order."""
    out: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        out.setdefault(r["doc_id"], []).append(i)
    return list(out.items())


class _Meta:
    """Title/source/date per real article, for the records of the copies."""

    def __init__(self) -> None:
        self.by_id = {}
        with open(DATA / "corpus.jsonl", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                self.by_id[d["id"]] = {k: d.get(k) for k in ("title", "source", "url", "published_at")}


def _rss_mb(field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS) or at its peak (VmHWM). Not ru_maxrss: Linux carries the parent's
    high-water mark through fork+exec into it, so a process started by this bench after building a 1M
    index reported the builder's ~5 GB as its own peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def write_copies(store, size: int, rows, vectors, meta: _Meta) -> dict:
    """Write `size` chunks through `store`'s writer (either engine) in transactions of ~5k chunks, as a
    bulk ingest does: the cached articles first, then copies under new doc_ids with noisy, renormalised
    vectors, then their headline vectors. Returns the chunk, copy and headline counts and the write times."""
    from llama_index.core.schema import TextNode

    from index.chunking import keyword_text
    from index.config import IndexSettings
    from index.ingest import build_settings
    from index.store import DocRecord

    groups = _groups(rows)
    rng = np.random.default_rng(42)
    written, copy, t0 = 0, 0, time.perf_counter()
    w_cm = None
    batch_chunks = 0
    while written < size:
        for doc_id, idx in groups:
            if written >= size:
                break
            if w_cm is None:
                w_cm = store.writer(DIM)
                w = w_cm.__enter__()
                w.build = build_settings(IndexSettings())
            new_id = doc_id if copy == 0 else f"{doc_id}~{copy}"
            # The article text is rebuilt from its chunks' spans (the reader's cleaned text is not cached).
            text = _text_from_chunks([rows[i] for i in idx])
            m = meta.by_id.get(doc_id, {})
            w.put(new_id, DocRecord(f"h{new_id}", f"m{new_id}", dict(m, dateline=None), [], None, "bench"), text)
            vecs = vectors[idx]
            if copy:
                vecs = vecs + rng.normal(0, 0.02, vecs.shape).astype("float32")
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            nodes = []
            for j, i in enumerate(idx):
                r = rows[i]
                n = TextNode(id_=f"{new_id}#{j}", text=r["text"], start_char_idx=r["start"], end_char_idx=r["end"],
                             metadata={"doc_id": new_id, "title": m.get("title") or ""})
                n.embedding = vecs[j].tolist()
                nodes.append(n)
            w.add_chunks(new_id, nodes, [keyword_text(n) for n in nodes])
            written += len(idx)
            batch_chunks += len(idx)
            if batch_chunks >= 5000:
                w_cm.__exit__(None, None, None)
                w_cm, batch_chunks = None, 0
        copy += 1
    if w_cm is not None:
        w_cm.__exit__(None, None, None)
    res = {"chunks": written, "copies": copy, "write_s": time.perf_counter() - t0}
    # Headline vectors, as ingest stores them: copies share their original's headline, embedded once.
    from index.embedding import get_embedder
    from index.ingest import fill_titles

    t1 = time.perf_counter()
    res["titles"] = fill_titles(store, IndexSettings(), get_embedder(IndexSettings().embed_model, 64), DIM)
    res["titles_s"] = time.perf_counter() - t1
    return res


def build(index_dir: Path, size: int, rows, vectors, meta: _Meta) -> dict:
    """Write `size` chunks into a new embedded index, then compact. Returns timings."""
    from index.embedded import EmbeddedStore

    if index_dir.exists():
        shutil.rmtree(index_dir)
    store = EmbeddedStore(index_dir)
    res = write_copies(store, size, rows, vectors, meta)
    t1 = time.perf_counter()
    store.compact()
    res["compact_s"] = time.perf_counter() - t1
    return res


def _text_from_chunks(rs) -> str:
    out = ""
    for r in rs:
        if r["start"] >= len(out):
            out += " " * (r["start"] - len(out)) + r["text"]
        else:
            out = out[: r["start"]] + r["text"] if r["end"] > len(out) else out
    return out


def measure(index_dir: Path, rows, vectors, questions: list[str], n_queries: int, serve: bool = True) -> dict:
    from index.config import RetrievalSettings
    from index.embedding import get_embedder
    from index.embedded import EmbeddedStore
    from index.retrieve import HybridRetriever

    res: dict = {"disk_mb": _du(index_dir) / 1e6}
    # Cold start to first answer and memory: a fresh `newsbot`-equivalent process.
    qfile = OUT / "questions.txt"
    qfile.write_text("\n".join(questions[:8]))
    t = time.perf_counter()
    if serve:
        proc = subprocess.run([sys.executable, __file__, "serve", str(index_dir), str(qfile)], capture_output=True, text=True, timeout=900)
        if proc.returncode:
            raise SystemExit(proc.stderr[-3000:])
        res.update(json.loads(proc.stdout.strip().splitlines()[-1]))
        res["cold_process_s"] = time.perf_counter() - t

    embedder = get_embedder("bundled:all-MiniLM-L6-v2", 32)
    corpus = EmbeddedStore(index_dir).load(embedder, DIM)
    retriever = HybridRetriever(corpus, RetrievalSettings(), embedder)
    qs = (questions * (n_queries // max(1, len(questions)) + 1))[:n_queries]
    # One batch (the model gives queries no instruction, so a query vector is a text vector).
    qvecs = embedder.get_text_embedding_batch(qs)
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
        if len(full) < 20:  # search() embeds the query itself: the model's time, measured on 20
            t = time.perf_counter()
            retriever.search(q)
            full.append((time.perf_counter() - t) * 1000)
    pct = lambda xs, p: float(np.percentile(xs, p))
    res.update({"fused_p50_ms": pct(fused, 50), "fused_p95_ms": pct(fused, 95), "dense_p95_ms": pct(dense_t, 95),
                "keyword_p95_ms": pct(kw_t, 95), "search_p50_ms": pct(full, 50), "search_p95_ms": pct(full, 95)})
    # Dense recall@10 against exact search over the same live vectors.
    ids, mats = [], []
    for sid, index in corpus._segments:
        rows_ = corpus._rows("SELECT pos, chunk_id FROM chunks WHERE segment = ? ORDER BY pos", (sid,))
        pos = np.array([p for p, _ in rows_])
        mats.append(index.reconstruct_n(0, index.ntotal)[pos] if len(pos) else np.empty((0, DIM), "float32"))
        ids += [c for _, c in rows_]
    allv = np.concatenate(mats)
    hits = 0
    nq = min(100, len(qvecs))
    for v in qvecs[:nq]:
        exact = np.argsort(-(allv @ np.asarray(v, dtype="float32")))[:10]
        approx = {c for c, _ in corpus.dense(v, 10)}
        hits += len(approx & {ids[i] for i in exact})
    res["recall_at_10"] = hits / (10 * nq)
    res["segments"] = len(corpus._segments)
    # For IVF segments: recall and dense latency per nprobe (the shipped value is segments.IVF_NPROBE).
    import faiss

    from index import segments as seg

    ivfs = [faiss.extract_index_ivf(i) for _, i in corpus._segments if "IVF" in type(i).__name__]
    if ivfs:
        exacts = [{ids[i] for i in np.argsort(-(allv @ np.asarray(v, dtype="float32")))[:10]} for v in qvecs[:nq]]
        sweep = {}
        for nprobe in (8, 16, 32, 48, 96):
            for ivf in ivfs:
                ivf.nprobe = nprobe
            t = []
            found = 0
            for v, ex in zip(qvecs[:nq], exacts):
                t0 = time.perf_counter()
                approx = {c for c, _ in corpus.dense(v, 10)}
                t.append((time.perf_counter() - t0) * 1000)
                found += len(approx & ex)
            sweep[nprobe] = {"recall_at_10": found / (10 * nq), "dense_p95_ms": float(np.percentile(t, 95))}
        for ivf in ivfs:
            ivf.nprobe = seg.IVF_NPROBE
        res["nprobe_sweep"] = sweep
    del allv, mats
    return res


def add_one(index_dir: Path, article) -> dict:
    from index.config import IndexSettings
    from index.embedding import get_embedder
    from index.embedded import EmbeddedStore
    from index.ingest import ingest_articles

    embedder = get_embedder("bundled:all-MiniLM-L6-v2", 32)
    # A first add warms up what any long-running ingester has loaded once (tokenizer, splitter, model).
    import dataclasses

    warm = dataclasses.replace(article, doc_id=article.doc_id + "-warmup", text=article.text + " Warm-up copy.")
    ingest_articles([warm], EmbeddedStore(index_dir), IndexSettings(), embedder, DIM)
    t = time.perf_counter()
    report = ingest_articles([article], EmbeddedStore(index_dir), IndexSettings(), embedder, DIM)
    total = time.perf_counter() - t
    return {"add_total_s": total, "add_embed_s": report.embed_seconds, "add_rest_s": total - report.embed_seconds,
            "add_chunks": report.chunks_embedded}


def cmd_serve(args) -> None:
    """Fresh process: open the index, answer the first question (cold start), then more; print JSON."""
    t0 = time.perf_counter()
    from bot.config import Settings
    from bot.service import Newsbot

    settings = Settings.model_validate({"index": {"dir": args.index}, "llm": {"backend": "none"}})
    bot = Newsbot(settings, llm=None)
    qs = Path(args.questions).read_text().splitlines()
    bot.ask(qs[0])
    cold = time.perf_counter() - t0
    rss_first = _rss_mb()
    t = time.perf_counter()
    for q in qs[1:]:
        bot.ask(q)
    per_answer = (time.perf_counter() - t) / max(1, len(qs) - 1) * 1000
    print(json.dumps({"cold_first_answer_s": cold, "rss_mb": _rss_mb(), "rss_first_mb": rss_first,
                      "peak_rss_mb": _rss_mb("VmHWM"), "answer_ms": per_answer}))


def cmd_run(args) -> None:
    from index.article import Article

    rows, vectors = _cached()
    meta = _Meta()
    questions = [json.loads(l)["question"] for l in open(DATA / "questions.jsonl", encoding="utf-8")]
    rate = json.loads((OUT / "embed_rate.json").read_text()) if (OUT / "embed_rate.json").exists() else None
    print(f"cached: {len(rows)} chunks of {len(_groups(rows))} real articles with vectors (embedded once by `embed`"
          + (f" at {rate['chunks'] / rate['seconds']:.1f} chunks/s" if rate else "") + "); larger indexes reuse them with new doc_ids"
          " and noisy vectors", flush=True)
    run_id = int(time.time())  # a new article (id and text) on every run, also when an index is reused
    new_article = Article(doc_id=f"bench-new-{run_id}", origin="bench", title="Bench article", source="bench",
                          text=" ".join(r["text"] for r in rows[:6]) + f" Added by the scale bench run {run_id}.")
    results = {}
    earlier = json.loads((OUT / "results.json").read_text()) if (OUT / "results.json").exists() else {}
    for size in args.sizes:
        index_dir = OUT / f"idx-{size}"
        if args.reuse and index_dir.exists() and str(size) in earlier:
            # Re-measure a kept index (e.g. after a retrieval change); its build figures are the earlier run's.
            b = {k: earlier[str(size)][k] for k in ("chunks", "copies", "write_s", "compact_s")}
            print(f"[{size}] reusing the index built earlier: {b}", flush=True)
        else:
            b = build(index_dir, size, rows, vectors, meta)
            print(f"[{size}] built: {b}", flush=True)
        m = measure(index_dir, rows, vectors, questions, args.queries, serve=not args.retrieval_only)
        if args.retrieval_only:  # keep the earlier run's other figures
            m = {**earlier.get(str(size), {}), **m}
        else:
            m.update(add_one(index_dir, new_article))
        m.update(b)
        m["write_chunks_per_s"] = b["chunks"] / b["write_s"]
        if rate:
            m["ingest_chunks_per_s"] = 1 / (1 / m["write_chunks_per_s"] + rate["seconds"] / rate["chunks"])
        results[size] = m
        print(f"[{size}] {json.dumps(m)}", flush=True)
        if not args.keep and size >= 1_000_000:
            shutil.rmtree(index_dir)
    (OUT / "results.json").write_text(json.dumps({**earlier, **{str(k): v for k, v in results.items()}}, indent=1))
    print(f"load average while measuring: {os.getloadavg()} on {os.cpu_count()} cores", flush=True)
    _table(results)


def _table(results: dict) -> None:
    fmt = {
        "ingest throughput, chunks/s (embedding incl. / store writes only)": lambda m: f"{m.get('ingest_chunks_per_s', 0):.0f} / {m['write_chunks_per_s']:.0f}",
        "compact (merge to one segment), s": lambda m: f"{m['compact_s']:.1f}",
        "add one article: total s (its embedding + the rest)": lambda m: f"{m['add_total_s']:.2f} ({m['add_embed_s']:.2f} + {m['add_rest_s']:.2f})",
        "cold start to first answer, s (fresh process)": lambda m: f"{m['cold_first_answer_s']:.1f}",
        "retrieval dense+keyword p50 / p95, ms": lambda m: f"{m['fused_p50_ms']:.1f} / {m['fused_p95_ms']:.1f}",
        "  dense p95 / keyword p95, ms": lambda m: f"{m['dense_p95_ms']:.1f} / {m['keyword_p95_ms']:.1f}",
        "full search() incl. query embedding p50 / p95, ms": lambda m: f"{m['search_p50_ms']:.0f} / {m['search_p95_ms']:.0f}",
        "dense recall@10 vs exact": lambda m: f"{m['recall_at_10']:.3f}",
        "resident memory answering, MB": lambda m: f"{m['rss_mb']:.0f}",
        "disk, MB": lambda m: f"{m['disk_mb']:.0f}",
    }
    sizes = list(results)
    head = "| FAISS + SQLite (embedded) | " + " | ".join(f"{int(s):,} chunks" for s in sizes) + " | PostgreSQL |"
    print(head)
    print("|" + "---|" * (len(sizes) + 2))
    for name, f in fmt.items():
        print(f"| {name} | " + " | ".join(f(results[s]) for s in sizes) + " | |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("embed", help="chunk and embed the real articles once (cached in bench/out/scale)")
    e.add_argument("--max-chunks", type=int, default=0, help="embed only the first N chunks (0: all)")
    r = sub.add_parser("run", help="build and measure indexes of the given sizes")
    r.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    r.add_argument("--queries", type=int, default=200)
    r.add_argument("--keep", action="store_true", help="keep the 1M index in bench/out/scale/ (smaller ones are kept anyway)")
    r.add_argument("--reuse", action="store_true", help="measure indexes kept from an earlier run instead of rebuilding them")
    r.add_argument("--retrieval-only", action="store_true", help="with --reuse: re-measure retrieval only, keep the other figures")
    s = sub.add_parser("serve", help=argparse.SUPPRESS)  # the fresh process that measures cold start and memory
    s.add_argument("index")
    s.add_argument("questions")
    args = ap.parse_args()
    {"embed": cmd_embed, "run": lambda a: cmd_run(a), "serve": lambda a: cmd_serve(a)}[args.cmd](args)


if __name__ == "__main__":
    main()
