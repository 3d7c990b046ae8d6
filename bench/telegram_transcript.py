"""Prints a real exchange with the unmodified Telegram bot, captured from the loopback Bot API server
the tests use (tests/botapi_server.py), with the real Newsbot on the bundled corpus (extractive).

    .venv/bin/python bench/telegram_transcript.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> int:
    from botapi_server import FakeBotAPI
    from test_telegram import ALICE, STRANGER, BotRunner, make_settings

    from bot.config import Settings
    from bot.service import Newsbot

    with tempfile.TemporaryDirectory() as tmp:
        nb = Newsbot(Settings.model_validate({"index": {"dir": tmp, "corpus": str(ROOT / "corpus")}, "llm": {"backend": "none"}}))
        nb.ingest([ROOT / "corpus"])
        with FakeBotAPI() as api:
            api.user(ALICE, "Alice")
            runner = BotRunner(make_settings(api, allowed_user_ids=[ALICE]), nb).start()

            def say(text: str, chat: int = ALICE):
                n = len(api.bot_messages(chat))
                api.send_message(chat, text)
                return api.wait_for_messages(chat, n + 1, timeout=60)[n:]

            say("/start")
            say("Who denied involvement?")
            say("Who claimed responsibility for the attacks?")
            [m] = say("What did they call the operation?")
            if m.buttons:
                n = len(api.bot_messages(ALICE))
                api.press_button(ALICE, m.message_id, m.buttons[0]["callback_data"])
                api.wait_for_messages(ALICE, n + 1)
            say("What will the weather be in Quetta tomorrow?")
            say("Who denied involvement?", chat=STRANGER)
            runner.stop()
            print(api.transcript(ALICE))
            print("\n--- a user not on the allow-list ---\n")
            print(api.transcript(STRANGER))
            if api.violations:
                print("Bot API violations:", api.violations, file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
