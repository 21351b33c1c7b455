"""Web pages (.html): the visible text only, with Beautiful Soup (lxml's parser); scripts and styles dropped."""

from __future__ import annotations

import re
from pathlib import Path

from app.documents.limits import Limits
from app.documents.model import Document, PartKind, build
from app.documents.text import decode, read_bytes

INVISIBLE = ("script", "style", "noscript", "template", "svg", "head")
BLOCKS = ("p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "h1", "h2", "h3", "h4",
          "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "blockquote", "pre", "hr", "address",
          "figcaption", "form", "fieldset")
_BLANKS = re.compile(r"\n\s*\n+")


def html_text(markup: str) -> tuple[str, str]:
    """``(title, text)`` of an HTML page: block elements on their own lines, no markup."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(INVISIBLE):
        tag.decompose()
    for tag in soup(BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    for tag in soup(("br",)):
        tag.replace_with("\n")
    for tag in soup(("td", "th")):
        tag.insert_after(" ")
    lines = (" ".join(line.split()) for line in soup.get_text().splitlines())
    text = "\n".join(line for line in lines if line)
    return title, _BLANKS.sub("\n\n", text)


def read_html(path: Path, limits: Limits) -> Document:
    markup, note = decode(read_bytes(path, limits.text_bytes), path.name)
    title, text = html_text(markup)
    pieces: list[tuple[str, int | None, PartKind, str]] = [(text, None, "text", "")]
    if title and title not in text[:200]:
        pieces.insert(0, (title, None, "header", "title"))
    return build(path.name, "html", pieces, (note,) if note else (), {"title": title} if title else {})
