"""SendCloud's %variable% substitution, one renderer for templates and ordinary sends (api doc §5-6).

Variables are written ``%name%`` in the subject, HTML and plain parts.  Their values come from the
request's ``xsmtpapi``: ``sub`` (one value per recipient, by position), ``pubsub`` (one value for
everyone) and ``section`` (named blocks that a ``sub``/``pubsub`` value refers to as ``%name%``).
Keys are always the full tokens as written in the content, so the platform's double-% variable
``%%user_defined_unsubscribe_link%%`` is just another key.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

import html2text


def _value_text(value: object, *, where: str) -> str:
    """A JSON scalar as the text put into the mail (numbers as written, e.g. 288 -> "288")."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if value is None:
        return ""
    raise ValueError(f"{where}: a value must be text or a number, not {type(value).__name__}")


def recipient_variables(
    *, index: int, sub: dict | None, pubsub: dict | None, section: dict | None
) -> dict[str, str]:
    """The variables of recipient number ``index`` (0-based) in the xsmtpapi recipient list.

    ``sub`` values win over ``pubsub`` values of the same key.  A value that is exactly ``%name%``
    for a key ``name`` of ``section`` becomes that section's text.  Raises ValueError when a ``sub``
    list has no value for this recipient or a value is not a scalar.
    """
    sections: dict[str, str] = {}
    for key, text in (section or {}).items():
        if text is None:
            continue
        # Section keys are documented without %, accept them written as %name% too.
        sections[f"%{str(key).strip('%')}%"] = _value_text(text, where=f"section {key}")

    def resolve(value: str) -> str:
        return sections.get(value, value)

    variables: dict[str, str] = {}
    for key, value in (pubsub or {}).items():
        if value is None:  # SDKs serialise unset members as null
            continue
        variables[str(key)] = resolve(_value_text(value, where=f"pubsub {key}"))
    for key, values in (sub or {}).items():
        if values is None:
            continue
        if not isinstance(values, list):
            raise ValueError(f"sub {key}: expected a list with one value per recipient")
        if index >= len(values):
            raise ValueError(f"sub {key}: {len(values)} values for recipient number {index + 1}")
        variables[str(key)] = resolve(_value_text(values[index], where=f"sub {key}"))
    return variables


def _is_token(key: str) -> bool:
    # Only %name% keys are variables: a bare key such as "a" would otherwise rewrite ordinary text.
    return len(key) >= 3 and key.startswith("%") and key.endswith("%")


@lru_cache(maxsize=256)
def _pattern(keys: tuple[str, ...]) -> re.Pattern:
    # Longest first, so that "%%x%%" wins over "%x%" at the same position.
    ordered = sorted(keys, key=len, reverse=True)
    return re.compile("|".join(re.escape(key) for key in ordered))


def render(text: str, variables: dict[str, str], *, html: bool, raw: frozenset[str] = frozenset()) -> str:
    """Replace each variable token of ``variables`` found in ``text`` by its value, in one pass.

    Tokens not in ``variables`` stay as written.  Values are inserted as text; with ``html=True``
    they are HTML-escaped unless the token is in ``raw``.  Inserted values are never scanned again,
    so a value containing ``%other%`` or ``%`` comes out as given.
    """
    keys = tuple(sorted(key for key in variables if _is_token(key)))
    if not text or not keys:
        return text
    pattern = _pattern(keys)
    parts: list[str] = []
    copied = 0  # text[:copied] is already in parts
    consumed = 0  # end of the last replaced token
    position = 0
    while True:
        match = pattern.search(text, position)
        if match is None:
            break
        start, end = match.span()
        token = match.group(0)
        # "%x%" standing inside "%%x%%" belongs to the double-% token, which is not a variable here
        # (e.g. %%user_defined_unsubscribe_link%% while only %user_defined_unsubscribe_link% is given).
        if (
            not token.startswith("%%")
            and start - 1 >= consumed
            and text[start - 1 : start] == "%"
            and text[end : end + 1] == "%"
        ):
            position = start + 1
            continue
        value = variables[token]
        if html and token not in raw:
            value = html_lib.escape(value, quote=True)
        parts.append(text[copied:start])
        parts.append(value)
        copied = consumed = position = end
    parts.append(text[copied:])
    return "".join(parts)


class _PlainText(html2text.HTML2Text):
    """html2text for a text/plain mail part: no line wrapping (it would split %variables% and links),
    no Markdown emphasis or backslash escapes (a reader sees the text, not Markdown source)."""

    def __init__(self) -> None:
        super().__init__()
        self.body_width = 0
        self.ignore_emphasis = True
        self.unicode_snob = True
        self.single_line_break = False

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        # entity_char=True only switches off html2text's Markdown escaping of the text.
        super().handle_data(data, entity_char=True)


def plain_from_html(html: str) -> str:
    """The text/plain alternative of an HTML body (links kept as ``text (url)`` in Markdown form)."""
    if not html or not html.strip():
        return ""
    converter = _PlainText()
    text = converter.handle(html)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(lines) + "\n" if any(lines) else ""


# --- helpers for templates ------------------------------------------------------------------------

# Candidate %name% tokens in content, for prefilling a preview.  Deliberately narrow: it must not
# take CSS or attribute percentages ("width:50%;") for variables.
_NAME = r"[^\s%<>\"'=;:&/(){}\[\],]{1,64}"
_TOKEN = re.compile(f"%%{_NAME}%%|%{_NAME}%")


def variables_in(*texts: str) -> list[str]:
    """The distinct %name% tokens in ``texts``, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        for match in _TOKEN.finditer(text or ""):
            seen.setdefault(match.group(0), None)
    return list(seen)


def raw_tokens_from(names) -> list[str]:
    """Normalise raw-variable names given as ``name`` or ``%name%`` into distinct ``%name%`` tokens."""
    tokens: dict[str, None] = {}
    for name in names:
        name = str(name).strip()
        if not name:
            continue
        if not (name.startswith("%") and name.endswith("%") and len(name) > 2):
            name = f"%{name.strip('%')}%"
        tokens.setdefault(name, None)
    return list(tokens)


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    plain: str


def render_template(template, variables: dict[str, str]) -> Rendered:
    """A template's three parts for one recipient (``template`` has subject, html, plain, raw_tokens)."""
    return Rendered(
        subject=render(template.subject, variables, html=False),
        html=render(template.html, variables, html=True, raw=template.raw_tokens),
        plain=render(template.plain, variables, html=False),
    )
