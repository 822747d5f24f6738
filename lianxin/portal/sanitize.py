"""Cleaning of everything an editor or an import file sends: rich-text body through nh3, the rest to plain text."""

from __future__ import annotations

import html
import re

import nh3

BODY_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "h2", "h3", "h4", "h5", "ul", "ol", "li",
    "blockquote", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "caption", "hr", "span", "div",
    "pre", "code", "figure", "figcaption",
}  # fmt: skip
BODY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Elements removed together with their content (not just unwrapped).
DROP_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
    "textarea",
}
_HAS_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_body(raw: str) -> str:
    """Safe HTML for the article body. Plain text (no markup) becomes one <p> per line."""
    raw = _CONTROL.sub("", raw or "")
    if not _HAS_MARKUP.search(raw):
        paragraphs = [line.strip() for line in raw.splitlines() if line.strip()]
        raw = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return nh3.clean(
        raw,
        tags=BODY_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=BODY_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def clean_text(raw: str, *, max_length: int | None = None) -> str:
    """Plain text: markup and its script/style content removed, entities decoded, whitespace collapsed.

    The result is text, not HTML — templates escape it on output."""
    value = _CONTROL.sub("", str(raw or ""))
    if "<" in value or "&" in value:
        value = html.unescape(nh3.clean(value, tags=set(), clean_content_tags=DROP_WITH_CONTENT))
        # A second pass catches markup that was entity-encoded in the input ("&lt;script&gt;").
        if "<" in value:
            value = html.unescape(nh3.clean(value, tags=set(), clean_content_tags=DROP_WITH_CONTENT))
    value = " ".join(value.split())
    if max_length is not None:
        value = value[:max_length]
    return value


def body_plain_text(body_html: str) -> str:
    """The body as plain text (for search, snippets, descriptions)."""
    text = re.sub(r"</(p|div|h\d|li|blockquote|tr)>|<br\s*/?>", "\n", body_html or "")
    text = html.unescape(nh3.clean(text, tags=set()))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
