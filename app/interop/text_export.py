"""Write notes as Anki's text export: tab-separated, with the header lines Anki reads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from app.interop.foreign import ForeignBatch


def write_text_notes(batch: ForeignBatch, out: Path) -> None:
    width = max((len(n.fields) for n in batch.notes), default=2)
    buffer = io.StringIO()
    buffer.write(
        "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n"
        f"#deck column:3\n#tags column:{width + 4}\n"
    )
    # Quote every field: Anki reads a line whose first field starts with "#" as a comment.
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_ALL)
    for note in batch.notes:
        fields = list(note.fields) + [""] * (width - len(note.fields))
        name = batch.notetypes[note.notetype].name
        writer.writerow(
            [note.guid, name, note.deck, *fields, " ".join(t.replace("/", "::") for t in note.tags)]
        )
    part = out.with_name(out.name + ".part")
    part.write_text(buffer.getvalue(), encoding="utf-8")
    part.replace(out)
