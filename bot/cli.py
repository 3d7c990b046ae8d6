"""The `newsbot` command: ingest, ask, chat, eval, telegram. Heavy libraries load only in the handlers."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from index.config import index_location, is_database_url

EXAMPLES = """examples:
  newsbot ask "Who denied involvement?"            answer from the bundled sample corpus (indexed on first use)
  newsbot ingest ~/articles feed.jsonl              add articles (txt, md, html, jsonl, folders) to the index
  newsbot ask "Who claimed responsibility?" --json  the machine-readable answer
  newsbot ask --batch questions.jsonl --json        many questions, models loaded once
  newsbot chat                                      a terminal chat with follow-ups
  newsbot eval --questions bench/data/gold_sample.jsonl
  newsbot watch --once                              read the RSS/Atom feeds in feeds: once, ingest what is new
  newsbot telegram                                  run the Telegram bot (see README)
"""


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsbot", description="Answers questions from news articles, with verified verbatim citations.",
                                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, help="config file (default: config.yaml of the project)")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ing = sub.add_parser("ingest", help="add or update articles in the index", epilog="example: newsbot ingest corpus/ extra.jsonl")
    ing.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".txt .md .html .htm .jsonl files or folders")
    ing.add_argument("--index", type=index_location, metavar="DIR|URL", help="index dir or postgresql:// URL (default: index.dir from config)")

    ask = sub.add_parser("ask", help="answer one question (or a batch)", epilog='example: newsbot ask "Who denied involvement?" --json')
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--batch", type=Path, metavar="FILE", help='JSONL lines {"id"?, "question", "conversation"?}')
    ask.add_argument("--index", type=index_location, metavar="DIR|URL")
    ask.add_argument("--json", action="store_true", help="print JSON objects (one per question)")

    chat = sub.add_parser("chat", help="terminal chat with follow-ups; /sources, /reset, /quit")
    chat.add_argument("--index", type=index_location, metavar="DIR|URL")

    ev = sub.add_parser("eval", help="score answers against a gold questions file",
                        epilog="example: newsbot eval --questions bench/data/gold_sample.jsonl --corpus corpus")
    ev.add_argument("--questions", type=Path, required=True, metavar="FILE")
    src = ev.add_mutually_exclusive_group()
    src.add_argument("--corpus", type=Path, nargs="+", metavar="PATH", help="build a temporary index from these inputs")
    src.add_argument("--index", type=index_location, metavar="DIR|URL", help="use an existing index")
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")

    mig = sub.add_parser("migrate", help="bring an older index up to date in place: convert the old snapshot format "
                                         "(chunk vectors reused) and store the headline vectors it lacks",
                         epilog="example: newsbot migrate --index .newsbot/index")
    mig.add_argument("--index", type=index_location, metavar="DIR|URL", help="index dir or PostgreSQL URL (default: index.dir from config)")
    comp = sub.add_parser("compact", help="folder: merge the vector segments into one; PostgreSQL: VACUUM (ANALYZE), HNSW rebuilt after many deletes")
    comp.add_argument("--index", type=index_location, metavar="DIR|URL", help="index dir (default: index.dir from config)")

    watch = sub.add_parser(
        "watch", help="follow the RSS/Atom feeds of the config (feeds:) and ingest new entries",
        description="Polls the feeds listed under feeds: urls: in the config every feeds.interval_s and\n"
                    "ingests new and changed entries; prints one line per poll, then each failure as\n"
                    "`url: reason`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  newsbot watch --once    poll once; exit 0: all read, 1: something failed (the rest ingested), 2: usage\n"
               "  newsbot watch           poll every feeds.interval_s until Ctrl-C or SIGTERM")
    watch.add_argument("--once", action="store_true", help="poll every feed once and exit")
    watch.add_argument("--index", type=index_location, metavar="DIR|URL", help="index dir or postgresql:// URL (default: index.dir from config)")

    sub.add_parser("telegram", help="run the Telegram bot (telegram: section; follows feeds: too)")
    sub.add_parser("config", help="print the effective configuration (secrets redacted)")
    return p


def _quiet_libraries(settings: Settings, verbose: bool) -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    logging.basicConfig(level=logging.INFO if verbose else settings.log_level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "httpcore", "sentence_transformers", "transformers", "bm25s", "faiss", "urllib3", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _progress_ingest(bot, paths: list[Path]):
    """Ingest with a rich progress bar on a terminal; returns the report."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not sys.stderr.isatty():
        return bot.ingest(paths)
    with Progress(TextColumn("embedding chunks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True,
                  console=Console(stderr=True)) as bar:
        task = bar.add_task("embed", total=None)
        return bot.ingest(paths, progress=lambda done, total: bar.update(task, completed=done, total=total))


def _open_bot(settings: Settings, index: Path | None):
    from bot.service import Newsbot
    from index.store import open_store

    if index is not None and not (store := open_store(index)).exists():
        raise UsageError(f"no index at {store.location}; build one with: newsbot ingest PATH --index {store.location}")
    bot = Newsbot(settings, index_dir=index)
    if index is None and not bot.store.exists():
        if not Path(settings.index.corpus).exists():
            raise UsageError(f"the index {bot.store.location} is empty and index.corpus {settings.index.corpus} does not exist; run newsbot ingest PATH")
        print(f"newsbot: indexing the bundled corpus {settings.index.corpus} into {bot.store.location} (first use)", file=sys.stderr)
        report = _progress_ingest(bot, [settings.index.corpus])
        for r in report.rejected:
            print(f"rejected {r}", file=sys.stderr)
        print(f"newsbot: {report.summary()}", file=sys.stderr)
    return bot


def _cmd_ingest(settings: Settings, args) -> int:
    from bot.service import Newsbot

    bot = Newsbot(settings, index_dir=args.index, llm=None)
    report = _progress_ingest(bot, args.paths)
    for r in report.rejected:
        print(f"rejected {r}", file=sys.stderr)
    rate = report.chunks_embedded / report.embed_seconds if report.embed_seconds else 0
    print(f"{report.summary()} ({rate:.0f} chunks/s) -> {bot.store.location}")
    return 1 if report.rejected else 0


def _cmd_migrate(settings: Settings, args) -> int:
    from index.embedding import get_embedder
    from index.ingest import fill_titles
    from index.migrate import migrate
    from index.store import IndexError_, open_store

    root = str(args.index or settings.index.dir)
    converted = not is_database_url(root) and (Path(root) / "CURRENT").exists()
    if converted:  # the old snapshot format (a folder only)
        done = migrate(Path(root))
        print(f"migrated {done['articles']} articles, {done['chunks']} chunks (vectors reused) -> {root}" + (f"; {done['note']}" if "note" in done else ""))
    store = open_store(root)
    if not store.exists():
        raise UsageError(f"no index at {store.location}")
    # Headline vectors, stored at ingest since; an index written before gets them here (one short text per article).
    embedder = get_embedder(settings.index.embed_model, settings.index.embed_batch_size)
    filled = fill_titles(store, settings.index, embedder, len(embedder.get_query_embedding("dimension probe")))
    if filled:
        print(f"stored {filled} headline vectors -> {store.location}")
    elif not converted:
        raise IndexError_(f"{store.location}: already in the current format, headline vectors included; nothing to migrate")
    return 0


def _cmd_compact(settings: Settings, args) -> int:
    from index.store import open_store

    store = open_store(args.index or settings.index.dir)
    if not store.exists():
        raise UsageError(f"no index at {store.location}")
    done = store.compact()
    print(f"compacted {store.location}: {done.get('summary') or str(done.get('segments_merged', 0)) + ' segments merged'}")
    return 0


def format_answer(a) -> str:
    """Plain-text rendering for the terminal: the answer, how it was produced, then the sources."""
    how = {"generated": "generated, every citation verified", "extractive": "verbatim evidence", "refused": "not in the articles"}[a.mode]
    lines = [a.answer, ""]
    if a.citations:
        lines.append("Sources:")
        for c in a.citations:
            bits = [c.source or c.doc_id] + [x for x in (c.title, c.published_at) if x]
            lines.append(f"  [{c.n}] " + " — ".join(bits) + (f" <{c.url}>" if c.url else "") + (f"  ({c.doc_id})" if c.source else "")
                         + ("  [differs]" if c.n in a.disputed else ""))
            lines.append(f"      “{c.quote}”")
    footer = [how] + ([a.corroboration] if a.corroboration else [])
    lines.append("(" + "; ".join(footer) + ")")
    if a.note:  # why evidence is shown instead of a generated answer, and where outlets differ
        lines.append(a.note)
    return "\n".join(lines)


def _read_batch(path: Path):
    """Yields (line number, item dict or error message); a bad line is reported, the rest answered."""
    from bot.questions import QuestionsError, question_lines

    try:
        yield from question_lines(path)
    except QuestionsError as e:
        raise UsageError(str(e)) from None


def run_batch(bot, items, on_answer) -> None:
    """Answer items in order; consecutive items with the same `conversation` share chat memory."""
    from bot.conversation import Conversation

    conv, conv_key = None, object()
    for item in items:
        key = item.get("conversation")
        if key is None:
            conv, conv_key = None, object()
        elif key != conv_key:
            conv, conv_key = Conversation(bot.settings.answer.history_turns), key
        on_answer(item, bot.ask(item["question"], conv, id=None if item.get("id") is None else str(item["id"])))


def _cmd_ask(settings: Settings, args) -> int:
    if bool(args.question) == bool(args.batch):
        raise UsageError("give a QUESTION or --batch FILE (not both)")
    if args.question is not None and not args.question.strip():
        raise UsageError("the question is empty")
    items = list(_read_batch(args.batch)) if args.batch else [(0, {"question": args.question})]
    bot = _open_bot(settings, args.index)
    failed = 0

    def show(item, answer) -> None:
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else format_answer(answer) + "\n", flush=True)

    good = []
    for n, item in items:
        if isinstance(item, str):
            failed += 1
            if good:
                run_batch(bot, good, show)
                good = []
            print(json.dumps({"id": None, "line": n, "error": item}) if args.json else item, flush=True)
            print(f"newsbot: {item}", file=sys.stderr)
        else:
            good.append(item)
    run_batch(bot, good, show)
    return 1 if failed else 0


def _cmd_chat(settings: Settings, args) -> int:
    from bot.conversation import Conversation

    bot = _open_bot(settings, args.index)
    conv = Conversation(settings.answer.history_turns)
    stats = bot.stats()
    print(f"newsbot chat: {stats.articles} articles from {len(stats.outlets) or 'unnamed'} outlets. "
          "Ask a question; /sources shows the last answer's sources, /reset forgets the chat, /quit leaves.")
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        if line in ("/quit", "/exit"):
            return 0
        if line == "/reset":
            conv.reset()
            print("(conversation forgotten)")
            continue
        if line == "/sources":
            last = conv.last
            print(format_answer(last) if last else "(no answer yet)")
            continue
        a = bot.ask(line, conv)
        print("bot> " + format_answer(a) + "\n", flush=True)


def _cmd_eval(settings: Settings, args) -> int:
    from bot.evaluate import main as eval_main

    return eval_main(settings, args)


def _cmd_watch(settings: Settings, args) -> int:
    """Poll the feeds every feeds.interval_s (or once) and ingest what is new; one line per poll."""
    import signal
    import time

    if not settings.feeds.urls:
        raise UsageError("no feeds to watch: list them under feeds: urls: in the config (see README, Live news)")
    from bot.service import Newsbot
    from index.feeds import FeedFollower

    bots: list[Newsbot] = []

    def ingest(articles):
        if not bots:  # loaded on the first new entry: a poll that finds nothing new costs no model load
            bots.append(Newsbot(settings, index_dir=args.index, llm=None))
        return bots[0].ingest_articles(articles)

    follower = FeedFollower(settings.feeds, settings.feed_state_dir(args.index), ingest)

    def show(report) -> None:
        stamp = "" if args.once else time.strftime("%Y-%m-%dT%H:%M:%S ")
        print(stamp + report.summary(), flush=True)
        for failure in report.failures:
            print(failure, flush=True)

    try:
        if args.once:
            report = follower.poll()
            show(report)
            return 1 if report.failures else 0
        stop = lambda signum, frame: follower.stop.set()  # noqa: E731 - the poll in progress finishes first
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        print(f"newsbot watch: {len(settings.feeds.urls)} feeds every {settings.feeds.interval_s:g} s into "
              f"{args.index or settings.index.dir}; Ctrl-C stops", file=sys.stderr, flush=True)
        follower.run(show)
        return 0
    finally:
        follower.close()


def _cmd_telegram(settings: Settings, args) -> int:
    from bot.telegram import run

    run(settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
        _quiet_libraries(settings, args.verbose)
        if args.command == "config":
            print(json.dumps(settings.redacted(), indent=2, default=str))
            return 0
        handler = {"ingest": _cmd_ingest, "ask": _cmd_ask, "chat": _cmd_chat, "eval": _cmd_eval, "watch": _cmd_watch,
                   "telegram": _cmd_telegram, "migrate": _cmd_migrate, "compact": _cmd_compact}[args.command]
        return handler(settings, args)
    except (ConfigError, UsageError) as e:
        print(f"newsbot: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a known failure class reads as one line; a bug keeps its traceback under -v
        from bot.llm import LLMError
        from index.store import IndexError_

        if isinstance(e, (LLMError, IndexError_, OSError)):
            print(f"newsbot: error: {e}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
