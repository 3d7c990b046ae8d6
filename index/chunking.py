"""Sentence-aware chunks with overlap (llama-index SentenceSplitter); each knows its character span."""

from __future__ import annotations

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from index.article import Article

# What each retrieval side sees of a chunk. Recorded in an index's `build` settings: an index built with
# another format is refused with a "rebuild" error rather than mixing two kinds of vectors.
CHUNK_TEXT = "dense:chunk keyword:title+chunk/1"


def make_splitter(chunk_size: int, chunk_overlap: int) -> SentenceSplitter:
    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=min(chunk_overlap, chunk_size // 2), include_metadata=False)


MAX_BLOCK = 100_000  # characters handed to the SentenceSplitter at once


def _blocks(text: str) -> list[tuple[int, str]]:
    """(offset, piece) of at most MAX_BLOCK characters, cut after a sentence end (else at a space).

    One huge paragraph (a 15 MB file) goes to nltk's punkt as one string: its regexes then run into
    their 5 s timeout (a crash) or take superlinear time. Ordinary articles are one block, unchanged.
    """
    out, start = [], 0
    while len(text) - start > MAX_BLOCK:
        window = text[start : start + MAX_BLOCK]
        cut = max(window.rfind(". "), window.rfind("\n"))
        if cut < MAX_BLOCK // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = MAX_BLOCK - 1
        out.append((start, text[start : start + cut + 1]))
        start += cut + 1
    out.append((start, text[start:]))
    return out


def chunk_article(article: Article, splitter: SentenceSplitter) -> list[TextNode]:
    """Chunks with ids `<doc_id>#<n>` and `start_char_idx`/`end_char_idx` into `article.text`."""
    parsed = []
    for offset, piece in _blocks(article.text):
        for node in splitter.get_nodes_from_documents([Document(text=piece, id_=article.doc_id)]):
            parsed.append((offset, node))
    nodes = []
    cursor = 0
    for n, (offset, node) in enumerate(parsed):
        text = node.get_content()
        start = article.text.find(text, max(offset, cursor - len(text)), offset + MAX_BLOCK + len(text))
        if start < 0:  # the splitter normalised something; fall back to its own offsets
            start = offset + (node.start_char_idx or 0)
            text = article.text[start : offset + (node.end_char_idx or 0)]
        cursor = start + 1
        chunk = TextNode(
            id_=f"{article.doc_id}#{n}",
            text=text,
            start_char_idx=start,
            end_char_idx=start + len(text),
            # The headline travels with every chunk, for `keyword_text`.
            metadata={"doc_id": article.doc_id, "title": article.title or ""},
            excluded_embed_metadata_keys=["doc_id", "title"],
            excluded_llm_metadata_keys=["doc_id", "title"],
        )
        chunk.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.doc_id)
        nodes.append(chunk)
    return nodes


def embedding_text(chunk: TextNode) -> str:
    """What the dense side embeds for a chunk: the chunk itself. (Prefixing the headline was the plan;
    it means re-embedding every stored chunk, which the shared CPU budget did not allow to measure. The
    headline reaches ranking through the keyword side and the reranker's title similarity instead.)"""
    return chunk.get_content()


def keyword_text(chunk: TextNode) -> str:
    """What the keyword side indexes for a chunk: its article's headline, then the chunk. A passage from
    the middle of a story rarely names what the story is about; the headline does."""
    title = " ".join(str(chunk.metadata.get("title") or "").split())
    return f"{title}\n{chunk.get_content()}" if title and title not in chunk.get_content() else chunk.get_content()
