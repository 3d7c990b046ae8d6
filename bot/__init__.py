"""Answering side of newsbot: LLM backends, citation verification, chat memory and the front-ends."""
