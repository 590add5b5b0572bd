"""Anki's image occlusion marks on an exported note type.

Anki treats a note type as image occlusion (its IO editor, ``get_image_occlusion_note``)
when ``originalStockKind`` is its image-occlusion stock kind and finds the fields by
their ``tag`` (``rslib/src/image_occlusion/notetype.rs``); a Cirrus note type made from
an Anki one lost both, so they are put back from the templates on export.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from app.core.image_occlusion import occlusion_field
from app.interop.foreign import ForeignNotetype

IMAGE_OCCLUSION_KIND = 6
"""``OriginalStockKind.ORIGINAL_STOCK_KIND_IMAGE_OCCLUSION`` in Anki's notetypes.proto."""
_TAGS = ("occlusion", "image", "header", "back extra", "comments")
"""Anki's ``ImageOcclusionField`` values are these fields' positions."""
_CONTAINER_FIELD = re.compile(
    r'<div\s+id="image-occlusion-container"[^>]*>\s*\{\{\s*([^{}#/^]+?)\s*\}\}', re.DOTALL
)


def occlusion_marks(nt: ForeignNotetype) -> tuple[int, list[int | None]] | None:
    """(stock kind, ``tag`` per field) for an image occlusion note type, else None."""
    if not nt.cloze or not nt.templates:
        return None
    qfmt = nt.templates[0].qfmt
    occlusion = occlusion_field(qfmt)
    if occlusion is None or occlusion not in nt.fields:
        return None
    tags: list[int | None] = [None] * len(nt.fields)
    tags[nt.fields.index(occlusion)] = 0
    image = _CONTAINER_FIELD.search(qfmt)
    if image is not None and image.group(1) in nt.fields:
        tags[nt.fields.index(image.group(1))] = 1
    for index, name in enumerate(nt.fields):
        if tags[index] is None and name.casefold() in _TAGS[2:]:
            tags[index] = _TAGS.index(name.casefold())
    if len(nt.fields) >= 4 and any(t not in tags for t in range(4)):
        return IMAGE_OCCLUSION_KIND, [None] * len(nt.fields)  # Anki takes the first four
    return IMAGE_OCCLUSION_KIND, tags


def mark_occlusion(model: dict[str, Any], nt: ForeignNotetype) -> None:
    """Add the marks to an exported Anki model (schema 11) of an occlusion note type."""
    marks = occlusion_marks(nt)
    if marks is None:
        return
    model["originalStockKind"] = marks[0]
    fields: Sequence[dict[str, Any]] = model["flds"]
    for field, tag in zip(fields, marks[1], strict=False):
        if tag is not None:
            field["tag"] = tag
            field["preventDeletion"] = tag < 4
