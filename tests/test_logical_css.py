"""The stylesheets name sides logically (inline start and end), never left or right, so that the
Arabic pages and documents mirror by themselves: portal.css, receipt.css and the inline styles
of the templates are parsed, and any physical direction property fails the test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tinycss2

ROOT = Path(__file__).resolve().parent.parent
STYLESHEETS = sorted((ROOT / "static" / "css").glob("*.css"))  # portal.css, receipt.css, ...

# Declarations that must stay physical, as {(file name, selector, property): why}. Empty today:
# text set left to right on purpose (JSON in the office console) says `direction: ltr` and then
# `text-align: start`, and the receipts' running header, whose page-margin boxes (@top-left,
# @top-right) are physical in CSS Paged Media, is mirrored with a named page, not a property.
ALLOWED: dict[tuple[str, str, str], str] = {}

_SIDE = r"(?:left|right)"
PHYSICAL_PROPERTIES = re.compile(
    rf"^(?:{_SIDE}"  # left: / right: positions
    rf"|(?:margin|padding|scroll-margin|scroll-padding)-{_SIDE}"
    rf"|border-{_SIDE}(?:-(?:width|style|color))?"
    rf"|border-(?:top|bottom)-{_SIDE}-radius)$")
# Properties whose value may name a side.
SIDE_VALUES = {"float", "clear", "text-align", "text-align-last", "caption-side",
               "background-position", "background-position-x", "background", "object-position",
               "transform-origin", "justify-content", "justify-items", "justify-self"}
# Four-value shorthands: top right bottom left. A different right and left is physical.
FOUR_SIDED = {"margin", "padding", "inset", "border-width", "border-style", "border-color",
              "scroll-margin", "scroll-padding"}


def physical_declarations(css: str, source: str = "", *, attribute: bool = False) -> list[str]:
    """Every declaration of `css` (a stylesheet, or a style attribute's declarations) that
    depends on left and right, as "selector { declaration }"."""
    found = []
    tokens = tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True) \
        if attribute else None
    for selector, name, value in declarations(css, tokens):
        if (source, selector, name) in ALLOWED:
            continue
        if is_physical(name, value):
            found.append(f"{selector} {{ {name}: {tinycss2.serialize(value).strip()} }}")
    return found


def declarations(css: str, tokens=None, selector: str = ""):
    """(selector, property, value tokens) of every declaration, inside @media, @supports and
    nested rules too."""
    items = (tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
             if tokens is None else tokens)
    for item in items:
        if item.type == "declaration":
            yield selector, item.lower_name, item.value
        elif item.type == "qualified-rule":
            inner = tinycss2.parse_blocks_contents(item.content, skip_comments=True,
                                                   skip_whitespace=True)
            yield from declarations(css, inner, tinycss2.serialize(item.prelude).strip())
        elif item.type == "at-rule" and item.content is not None:
            inner = tinycss2.parse_blocks_contents(item.content, skip_comments=True,
                                                   skip_whitespace=True)
            yield from declarations(css, inner, f"@{item.lower_at_keyword}")
        elif item.type == "error":
            raise AssertionError(f"CSS parse error: {item.message}")


def is_physical(name: str, value) -> bool:
    if PHYSICAL_PROPERTIES.match(name):
        return True
    words = [t for t in value if t.type not in ("whitespace", "comment")]
    if name in SIDE_VALUES:
        return any(t.type == "ident" and t.lower_value in ("left", "right") for t in words)
    if name in FOUR_SIDED and "/" not in tinycss2.serialize(value):
        parts = [tinycss2.serialize([t]) for t in words if not is_important(t)]
        return len(parts) == 4 and parts[1] != parts[3]
    if name == "border-radius":
        return any(asymmetric_corners(half) for half in split_slash(words))
    return False


def is_important(token) -> bool:
    return token.type == "literal" and token.value == "!" or (
        token.type == "ident" and token.lower_value == "important")


def split_slash(words) -> list[list[str]]:
    halves, current = [], []
    for token in words:
        if token.type == "literal" and token.value == "/":
            halves.append(current)
            current = []
        elif not is_important(token):
            current.append(tinycss2.serialize([token]))
    return [*halves, current]


def asymmetric_corners(radii: list[str]) -> bool:
    """border-radius: top-left top-right bottom-right bottom-left, shorter lists repeated."""
    if len(radii) == 2:
        return radii[0] != radii[1]
    if len(radii) == 3:
        return not radii[0] == radii[1] == radii[2]
    if len(radii) == 4:
        return radii[0] != radii[1] or radii[2] != radii[3]
    return False


def template_styles() -> list[tuple[str, str]]:
    """(template, CSS, is a style attribute) of every style attribute and <style> element of
    the templates (Jinja expressions in them read as `none`)."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        name = str(path.relative_to(ROOT))
        for match in re.finditer(r'\sstyle="([^"]*)"', source):
            found.append((name, re.sub(r"{{.*?}}", "none", match.group(1)), True))
        for match in re.finditer(r"<style[^>]*>(.*?)</style>", source, re.S):
            found.append((name, re.sub(r"{{.*?}}", "none", match.group(1)), False))
    return found


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: p.name)
def test_stylesheets_use_logical_properties_only(path):
    assert {"portal.css", "receipt.css"} <= {p.name for p in STYLESHEETS}
    assert physical_declarations(path.read_text(encoding="utf-8"), path.name) == []


def test_inline_styles_of_the_templates_use_logical_properties_only():
    styles = template_styles()
    assert any(name.startswith("templates/emails/") for name, _, _ in styles)  # they are read
    problems = [(name, found) for name, css, attribute in styles
                for found in physical_declarations(css, name, attribute=attribute)]
    assert problems == []


def test_portal_css_mirrors_with_logical_properties():
    """The sides that matter are there, named logically (a stylesheet without them would pass
    the test above by saying nothing)."""
    css = (ROOT / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    names = {name for _, name, _ in declarations(css)}
    assert {"margin-inline-end", "padding-inline-start", "border-inline-start",
            "inset-inline-start", "inset-inline-end"} <= names
    receipt = (ROOT / "static" / "css" / "receipt.css").read_text(encoding="utf-8")
    assert {"padding-inline-start", "padding-inline-end",
            "border-inline-start"} <= {name for _, name, _ in declarations(receipt)}


@pytest.mark.parametrize("css", [
    "a { margin-left: 1rem }",
    ".x { padding-right: 0 }",
    "@media (min-width: 10rem) { .x { border-left: 1px solid red } }",
    ".x { border-right-color: red }",
    ".x { position: absolute; left: 0 }",
    ".x { right: 2px }",
    ".x { text-align: left }",
    ".x { text-align: RIGHT !important }",
    ".x { float: right }",
    ".x { clear: left }",
    ".x { margin: 0 1rem 0 2rem }",
    ".x { padding: 1px 2px 3px 4px !important }",
    ".x { inset: 0 auto 0 0 }",
    ".x { border-top-left-radius: 4px }",
    ".x { border-radius: 4px 0 0 4px }",
    ".x { background: url(x.svg) no-repeat left center }",
    ".x { .y { margin-right: 1px } }",
    ".x { caption-side: left }",
])
def test_the_check_finds_physical_declarations(css):
    assert len(physical_declarations(css)) == 1, css


def test_the_check_reads_style_attributes():
    assert physical_declarations("color: red; margin-left: 1px", attribute=True) == [
        " { margin-left: 1px }"]
    assert physical_declarations("margin-inline-start: 1px", attribute=True) == []


@pytest.mark.parametrize("css", [
    ".x { margin-inline-start: 1rem; padding-inline-end: 0 }",
    ".x { border-inline-start: 4px solid red; inset-inline-end: 0 }",
    ".x { text-align: start } .y { text-align: end } .z { text-align: center }",
    ".x { float: inline-start }",
    ".x { margin: 0 1rem 0 1rem; padding: 1px 2px 3px; margin-block: 1rem 0 }",
    ".x { border-radius: 4px; border-radius: 999px } .y { border-radius: 4px 4px 0 0 }",
    ".x { clip: rect(0 0 0 0) }",
    ".x { content: 'left' } .left { color: red }",
])
def test_the_check_lets_logical_declarations_pass(css):
    assert physical_declarations(css) == [], css
