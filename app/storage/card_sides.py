"""An Anki note's card as the study screen shows it: its note type's question and answer
templates rendered with the note's fields, and the note type's style sheet."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text

from app.core.anki_template import CardContext, render
from app.core.image_occlusion import occlusion_field
from app.storage.engine import raw_connection
from app.storage.occlusion_images import draw_sides, media_folder


def template_sides(
    conn: Connection,
    note_id: int,
    ord_: int,
    deck_name: str,
    values: list[str],
    notetype_id: int,
    notetypes: dict[int, tuple[Any, ...]] | None = None,
) -> tuple[str, str, str]:
    """The card's question and answer HTML from its note type's templates, and the note
    type's style sheet (``notetypes``: the note types read so far, kept by the queue)."""
    found = None if notetypes is None else notetypes.get(notetype_id)
    if found is None:
        found = (
            raw_connection(conn)
            .execute(
                "SELECT name, cloze, fields, templates, css FROM notetype WHERE id = ?",
                (notetype_id,),
            )
            .fetchone()
        )
        if notetypes is not None:
            notetypes[notetype_id] = found
    name, cloze, field_names, templates, css = found
    names, template_list = parsed_notetype(field_names, templates)
    fields = dict(zip(names, values, strict=False))
    index = 0 if cloze else min(ord_, len(template_list) - 1)
    card_name, qfmt, afmt = template_list[index]
    tags: tuple[str, ...] = ()
    if "Tags" in qfmt or "Tags" in afmt:  # Anki nests tags with "::", Cirrus with "/"
        rows = conn.execute(
            text("SELECT tag FROM note_tag WHERE note_id = :n ORDER BY tag"), {"n": note_id}
        )
        tags = tuple(str(t).replace("/", "::") for (t,) in rows)
    ctx = CardContext(
        ord=ord_,
        cloze=bool(cloze),
        tags=tags,
        deck=deck_name,
        card_name=card_name,
        notetype=name,
    )
    question = render(qfmt, fields, ctx, answer=False)
    answer = render(afmt, fields, ctx, answer=True, front_side=question)
    if (occlusions := occlusion_field(qfmt)) is not None:
        media = media_folder(raw_connection(conn))
        question, answer = draw_sides(
            question, answer, fields.get(occlusions, ""), ord_, css, media
        )
    return question, answer, css


@lru_cache(maxsize=64)
def parsed_notetype(field_names: str, templates: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """A note type's field names and (name, question, answer) templates, from their JSON
    (kept: the same note type is read for card after card)."""
    return json.loads(field_names), [tuple(t) for t in json.loads(templates)]
