"""An update's text, light Markdown, as safe HTML (the page, the feed) and as plain
text (the JSON API, and the short texts derived from it); a withdrawn update shows
when it was withdrawn, never its words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markupsafe import Markup

from warroom.sitepage.model import ILLEGAL_CHARS, SiteUpdate, when_text


# Update texts are light Markdown (CommonMark: paragraphs, lists, **bold**, *emphasis*,
# [links](https://…)). Raw HTML in them is shown as text, never passed through ("html": False).
# "breaks": a single line break stays a line break, as people typing an update expect.
_md = MarkdownIt("commonmark", {"html": False, "breaks": True, "xhtmlOut": False, "linkify": False,
                                "typographer": False})
_LINK_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def _safe_link(url: str) -> bool:
    """Links (and images) may only point to http, https or mailto addresses: no ``javascript:``,
    no ``data:``, nothing relative (it would resolve against wherever the page is uploaded)."""
    scheme = _SCHEME.match(url)
    return bool(scheme) and scheme.group(1).lower() in _LINK_SCHEMES


_md.validateLink = _safe_link  # type: ignore[method-assign]  # a link that fails stays text


def _inside_link(tokens: Sequence[Token], idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
    return depth > 0


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """An image becomes a link to it (its alt text, else its address): the page loads nothing remote."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children, options, env).strip()
    if not src or _inside_link(tokens, idx):  # no <a> inside an <a>
        return escapeHtml(alt)
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt or src)}</a>'


def _render_heading_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "<p><strong>"  # a "# Title" in an update must not break the page's own headings


def _render_heading_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "</strong></p>\n"


_md.add_render_rule("image", _render_image)
_md.add_render_rule("heading_open", _render_heading_open)
_md.add_render_rule("heading_close", _render_heading_close)


def _clean(text: str) -> str:
    return ILLEGAL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def body_html(text: str) -> Markup:
    """An update's Markdown as safe HTML: user-given HTML escaped, links http(s)/mailto only, no images."""
    return Markup(ILLEGAL_CHARS.sub("", _md.render(_clean(text))).strip())


def body_text(text: str) -> str:
    """An update's Markdown as plain text (for the JSON API): the markup removed, paragraphs
    separated by a blank line, list items one a line as ``- item`` or ``1. item``, a link as
    ``text (address)``."""
    blocks: list[tuple[int, str]] = []  # (list depth, text)
    lists: list[list[int]] = []  # per open list: [next number or -1 for bullets]
    pending_marker: list[str] = []  # the marker of a list item whose first block is still to come

    def add(content: str) -> None:
        depth = len(lists)
        indent = "  " * max(depth - 1, 0)
        if pending_marker:
            marker = pending_marker.pop()
            first, *rest = content.split("\n")
            pad = " " * len(marker)
            content = "\n".join([indent + marker + first, *(indent + pad + line for line in rest)])
        elif depth:
            content = "\n".join(indent + "  " + line for line in content.split("\n"))
        blocks.append((depth, content))

    for token in _md.parse(_clean(text)):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            lists.append([int(start) if start is not None else 1 if kind == "ordered_list_open" else -1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            pending_marker.clear()
        elif kind == "list_item_open":
            number = lists[-1][0]
            pending_marker[:] = ["- " if number < 0 else f"{number}. "]
            if number >= 0:
                lists[-1][0] += 1
        elif kind == "inline":
            add(_inline_text(token.children or []))
        elif kind in ("fence", "code_block"):
            add(token.content.rstrip("\n"))
    out = ""
    for n, (depth, content) in enumerate(blocks):
        if n:
            out += "\n" if depth and blocks[n - 1][0] else "\n\n"
        out += content
    return ILLEGAL_CHARS.sub("", out)


def _inline_text(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    links: list[tuple[int, str]] = []  # (where the link's text starts in out, its address)
    for token in tokens:
        kind = token.type
        if kind in ("text", "code_inline"):
            out.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "link_open":
            links.append((len(out), str(token.attrGet("href") or "")))
        elif kind == "link_close" and links:
            start, href = links.pop()
            label = "".join(out[start:])
            if href and label not in (href, href.removeprefix("mailto:")):
                out.append(f" ({href})")
        elif kind == "image":
            alt = _inline_text(token.children or [])
            src = str(token.attrGet("src") or "")
            out.append(f"{alt} ({src})" if alt and src and not links else alt or src)
    return "".join(out)


def withdrawn_notice(withdrawn_at: datetime) -> str:
    """What a withdrawn update says instead of its words."""
    return f"This update was withdrawn on {when_text(withdrawn_at)}."


def update_html(update: SiteUpdate) -> Markup:
    """An update's text as HTML, or the notice that it was withdrawn (never its words)."""
    if update.withdrawn_at is not None:
        return Markup('<p class="withdrawn">{}</p>').format(withdrawn_notice(update.withdrawn_at))
    return body_html(update.body)


def update_text(update: SiteUpdate) -> str:
    """An update's text as plain text, or the notice that it was withdrawn (never its words)."""
    if update.withdrawn_at is not None:
        return withdrawn_notice(update.withdrawn_at)
    return body_text(update.body)
