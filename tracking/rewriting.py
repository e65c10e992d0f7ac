"""Rewriting an email's HTML for tracking, with the standard library's HTML parser.

The parser finds the start tags of links (``<a href>``, ``<area href>``) and the closing ``</body>``
in the source; only those spots change and every other character of the HTML is kept as written
(comments, conditional comments, scripts and styles are not searched for links).  A rewritten tag
keeps its name and attributes in order, only the ``href`` value changes.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

UNSUBSCRIBE_PLACEHOLDER = "%%user_defined_unsubscribe_link%%"
LINK_TAGS = {"a", "area"}


def is_trackable(url: str) -> bool:
    """Only absolute http(s) links are tracked: not mailto:, tel:, #anchors, relative or placeholder links."""
    lowered = url.strip().lower()
    return lowered.startswith(("http://", "https://")) and UNSUBSCRIBE_PLACEHOLDER not in url


@dataclass
class _Link:
    start: int  # offset of the "<" of the start tag
    end: int  # offset just after its ">"
    name: str  # the tag name as written (case kept)
    attrs: list[tuple[str, str | None]]
    self_closing: bool


@dataclass
class _Scan:
    links: list[_Link] = field(default_factory=list)
    body_end: int | None = None  # offset of the last "</body"
    html_end: int | None = None  # offset of the last "</html"


class _Scanner(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.scan = _Scan()
        # HTMLParser reports (line, column) with lines split on "\n" only.
        self._line_starts = [0]
        position = source.find("\n")
        while position >= 0:
            self._line_starts.append(position + 1)
            position = source.find("\n", position + 1)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _start(self, tag: str, attrs, self_closing: bool) -> None:
        if tag not in LINK_TAGS or not any(name == "href" for name, _ in attrs):
            return
        raw = self.get_starttag_text() or ""
        start = self._offset()
        self.scan.links.append(
            _Link(start=start, end=start + len(raw), name=raw[1 : 1 + len(tag)] or tag, attrs=list(attrs),
                  self_closing=self_closing)
        )

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, True)

    def handle_endtag(self, tag):
        if tag == "body":
            self.scan.body_end = self._offset()
        elif tag == "html":
            self.scan.html_end = self._offset()


def _scan(source: str) -> _Scan:
    scanner = _Scanner(source)
    scanner.feed(source)
    scanner.close()
    return scanner.scan


def _tag(link: _Link, href: str) -> str:
    parts = [f"<{link.name}"]
    for name, value in link.attrs:
        if name == "href":
            value = href
        parts.append(f" {name}" if value is None else f' {name}="{html_lib.escape(value, quote=True)}"')
    parts.append(" />" if link.self_closing else ">")
    return "".join(parts)


@dataclass
class Rewritten:
    html: str
    links: list[str]  # the original URLs that were rewritten, in order (index = link number)


def rewrite_html(
    source: str,
    *,
    click_url: Callable[[int, str], str] | None = None,
    append: str = "",
) -> Rewritten:
    """Rewrite trackable links through ``click_url(index, original_url)`` and put ``append`` (raw
    HTML: footer, open pixel) just before ``</body>`` (or ``</html>``, or at the very end)."""
    scan = _scan(source)
    edits: list[tuple[int, int, str]] = []
    originals: list[str] = []
    if click_url is not None:
        for link in scan.links:
            href = next((value for name, value in link.attrs if name == "href"), None)
            if href is None or not is_trackable(href):
                continue
            original = href.strip()
            edits.append((link.start, link.end, _tag(link, click_url(len(originals), original))))
            originals.append(original)
    if append:
        where = scan.body_end if scan.body_end is not None else scan.html_end
        where = len(source) if where is None else where
        edits.append((where, where, append))
    out: list[str] = []
    position = 0
    for start, end, text in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        out.append(source[position:start])
        out.append(text)
        position = end
    out.append(source[position:])
    return Rewritten(html="".join(out), links=originals)
