"""Sentence-aware chunks with overlap (llama-index SentenceSplitter); each knows its character span."""

from __future__ import annotations

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from index.article import Article


def make_splitter(chunk_size: int, chunk_overlap: int) -> SentenceSplitter:
    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=min(chunk_overlap, chunk_size // 2), include_metadata=False)


def chunk_article(article: Article, splitter: SentenceSplitter) -> list[TextNode]:
    """Chunks with ids `<doc_id>#<n>` and `start_char_idx`/`end_char_idx` into `article.text`."""
    doc = Document(text=article.text, id_=article.doc_id)
    nodes = []
    cursor = 0
    for n, node in enumerate(splitter.get_nodes_from_documents([doc])):
        text = node.get_content()
        start = article.text.find(text, max(0, cursor - len(text)))
        if start < 0:  # the splitter normalised something; fall back to its own offsets
            start = node.start_char_idx or 0
            text = article.text[start : node.end_char_idx]
        cursor = start + 1
        chunk = TextNode(
            id_=f"{article.doc_id}#{n}",
            text=text,
            start_char_idx=start,
            end_char_idx=start + len(text),
            metadata={"doc_id": article.doc_id},
            excluded_embed_metadata_keys=["doc_id"],
            excluded_llm_metadata_keys=["doc_id"],
        )
        chunk.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.doc_id)
        nodes.append(chunk)
    return nodes


def embedding_text(chunk: TextNode) -> str:
    """What the dense side embeds for a chunk (the quoted text stays `chunk.get_content()`)."""
    return chunk.get_content()


def keyword_text(chunk: TextNode) -> str:
    """What the keyword side indexes for a chunk."""
    return chunk.get_content()
