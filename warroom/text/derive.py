"""The SMS and chat texts derived from an update's long text, so that when the long
text changes the short forms say the same thing (unless someone wrote them on
their own). Pure functions."""

from __future__ import annotations

import re

from warroom.sitepage.markdown import body_text
from warroom.text.render import NEXT_UPDATE

#: Two SMS parts: short enough to arrive as one message on most phones.
SHORT_LIMIT = 306
#: Chat messages stay well under the channels' own limits (Slack's section text is 3,000).
CHAT_LIMIT = 2_800

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.DOTALL)


def plain(long: str) -> str:
    """The long text without Markdown: as it reads aloud."""
    return body_text(long)


def derive_short(long: str, limit: int = SHORT_LIMIT) -> str:
    """Whole sentences of the long text, in order, up to ``limit`` characters; the
    sentence that promises the next update is kept whenever it fits."""
    lines = []
    for line in plain(long).splitlines():
        line = " ".join(line.strip().lstrip("-•*").split())
        if line:
            lines.append(line if line[-1] in ".!?…:" or line.endswith(NEXT_UPDATE) else line + ".")
    text = " ".join(lines)
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return ""
    promise = next((s for s in sentences if NEXT_UPDATE in s or "next update" in s.lower()), None)
    room = limit - (len(promise) + 1 if promise else 0)
    out: list[str] = []
    for sentence in sentences:
        if sentence is promise:
            continue
        if len(" ".join(out + [sentence])) > room:
            break
        out.append(sentence)
    if not out and not promise:  # one sentence longer than the limit: cut at a word
        cut = sentences[0][: limit - 1].rsplit(" ", 1)[0]
        return cut.rstrip(",;:") + "…"
    if promise and len(promise) <= limit:
        out.append(promise)
    return " ".join(out)


def derive_chat(long: str, limit: int = CHAT_LIMIT) -> str:
    """The long text as chat reads it: bold in the chat tools' single-star form,
    cut at a paragraph when it is too long."""
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", long).strip()
    if len(text) <= limit:
        return text + "\n" if text else ""
    out: list[str] = []
    for para in text.split("\n\n"):
        if sum(len(p) + 2 for p in out) + len(para) > limit - 2:
            break
        out.append(para)
    return "\n\n".join(out or [text[: limit - 1] + "…"]) + "\n"
