"""`newsbot migrate`: convert an index of format 1 (CURRENT + snap-*/, llama-index JSON files) in place.

Nothing is re-embedded: vectors come from the old FAISS file, chunk texts and offsets from the old
docstore, article texts from articles.jsonl, records from manifest.json. The new store is committed in
one transaction before the old snapshot is removed, so an interrupted migration can simply be re-run.
`newsbot migrate` then stores the headline vectors (index/ingest.py `fill_titles`), which format 1 lacked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from llama_index.core.schema import TextNode

from index.chunking import CHUNK_TEXT, keyword_text
from index.embedded import EmbeddedStore
from index.store import DocRecord, IndexError_


def migrate(root: Path) -> dict:
    """Convert the format-1 index at `root`; returns counts of what was carried over."""
    import faiss

    root = Path(root)
    store = EmbeddedStore(root)
    try:
        snap = root / (root / "CURRENT").read_text().strip()
    except FileNotFoundError:
        if store.generation() > 0:
            raise IndexError_(f"{root}: already in the current format; nothing to migrate") from None
        raise IndexError_(f"{root}: no index to migrate here") from None
    if store.generation() > 0:  # an earlier run committed the new store but did not get to remove the old files
        _remove_old(root)
        return {"articles": 0, "chunks": 0, "note": "already converted; removed the old snapshot"}
    try:
        manifest = json.loads((snap / "manifest.json").read_text())
        if manifest.get("format") != 1:
            raise IndexError_(f"{snap}: format {manifest.get('format')} is not the old format 1")
        texts = {}
        with open(snap / "articles.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                texts[row["doc_id"]] = row["text"]
        nodes = json.loads((snap / "docstore.json").read_text())["docstore/data"]
        id_map = json.loads((snap / "id_map.json").read_text())["node_id_to_faiss_id_map"]
        vectors = faiss.read_index(str(snap / "default__vector_store.json"))  # faiss binary despite the name
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise IndexError_(f"{snap}: cannot read the old index ({str(e).splitlines()[0]}); rebuild it with newsbot ingest") from None

    dim = int(manifest["dim"])
    chunks = 0
    store._migrating = True
    with store.writer(dim) as w:
        # The dense text is unchanged (the chunk), so the vectors carry over; the keyword side is rebuilt below
        # with today's keyword_text, which the build records.
        w.build = {**(manifest.get("build") or {}), "chunk_text": CHUNK_TEXT}
        w.changed = True
        # Canonical articles first: a duplicate's record names one of them.
        docs = sorted(manifest["docs"].items(), key=lambda kv: kv[1].get("duplicate_of") is not None)
        for doc_id, raw in docs:
            rec = DocRecord(**raw)
            w.put(doc_id, rec, None if rec.duplicate_of else texts.get(doc_id))
            batch = []
            for cid in rec.chunk_ids:
                data = nodes[cid]["__data__"]
                node = TextNode(id_=cid, text=data["text"], start_char_idx=data.get("start_char_idx"),
                                end_char_idx=data.get("end_char_idx"),
                                metadata={"doc_id": doc_id, "title": rec.metadata.get("title") or ""})
                node.embedding = vectors.reconstruct(int(id_map[cid])).tolist()
                batch.append(node)
            w.add_chunks(doc_id, batch, [keyword_text(n) for n in batch])
            chunks += len(batch)
    _remove_old(root)
    return {"articles": len(docs), "chunks": chunks}


def _remove_old(root: Path) -> None:
    (root / "CURRENT").unlink(missing_ok=True)
    for snap in root.glob("snap-*"):
        shutil.rmtree(snap, ignore_errors=True)
