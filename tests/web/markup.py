"""Read rendered pages in tests: find elements by tag and attributes, get their text and table rows."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse
from django.test.html import Element, parse_html


def document(response: HttpResponse) -> Element:
    return parse_html(response.content.decode())


def _walk(node: Element) -> Iterator[Element]:
    yield node
    for child in node.children:
        if isinstance(child, Element):
            yield from _walk(child)


def find_all(root: Element, tag: str | None = None, **attributes: str | None) -> list[Element]:
    """Elements under ``root`` with ``tag`` and these attributes (``data_serial`` means ``data-serial``,
    ``class_`` one of the classes; ``None`` means the attribute is present with any value)."""
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attributes.items()}
    found = []
    for element in _walk(root):
        if tag is not None and element.name != tag:
            continue
        have = dict(element.attributes)
        ok = True
        for name, value in wanted.items():
            if name not in have:
                ok = False
            elif name == "class" and value is not None:
                ok = value in (have[name] or "").split()
            elif value is not None and have[name] != value:
                ok = False
        if ok:
            found.append(element)
    return found


def find(root: Element, tag: str | None = None, **attributes: str | None) -> Element:
    found = find_all(root, tag, **attributes)
    assert len(found) == 1, f"expected one {tag or '*'} {attributes}, found {len(found)}"
    return found[0]


def text(node: Element | str) -> str:
    """The text of an element, elements separated by a space, whitespace collapsed."""
    if isinstance(node, str):
        return " ".join(node.split())
    return " ".join(part for part in (text(child) for child in node.children) if part)


def attribute(node: Element, name: str) -> str | None:
    return dict(node.attributes).get(name)


def rows(table: Element) -> list[list[str]]:
    """The body rows of a table as lists of cell texts."""
    body = find(table, "tbody")
    return [[text(cell) for cell in tr.children if isinstance(cell, Element)] for tr in find_all(body, "tr")]
