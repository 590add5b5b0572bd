"""Anki's pre-rendered LaTeX images, for ``[latex]`` blocks Cirrus does not draw.

Anki typesets ``[latex]``, ``[$]`` and ``[$$]`` with a LaTeX installation and names each
image by the SHA-1 of the LaTeX it typeset, without the note type's header and footer:
``latex-<sha1>.png`` (``.svg`` for note types set to SVG; ``fname_for_latex`` in
``rslib/src/latex.rs``). Packages often carry these files though no field names them; the
import keeps them in the media store under that name, and a block Cirrus cannot draw
(text, packages) shows Anki's image when there is one.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, text

from app.storage.media_store import stored_name


def latex_file_names(latex: str) -> tuple[str, str]:
    """The names Anki gives the image of ``latex`` (as Anki reads the field: HTML
    dropped, line breaks as newlines, entities read): PNG, then SVG."""
    digest = hashlib.sha1(latex.replace("\xa0", " ").encode()).hexdigest()
    return f"latex-{digest}.png", f"latex-{digest}.svg"


def prerendered(conn: Connection, latex: str) -> str | None:
    """The stored file (``<sha256>.<ext>`` in the media folder) of Anki's image of
    ``latex``, or None when the collection has none."""
    png, svg = latex_file_names(latex)
    rows = conn.execute(
        text("SELECT sha256, name FROM media WHERE name IN (:png, :svg)"), {"png": png, "svg": svg}
    ).all()
    found = {str(name): str(sha) for sha, name in rows}
    for name in (png, svg):
        if name in found:
            return stored_name(found[name], name)
    return None
