"""Which exam domain each service belongs to, read from the tags notes carry together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from app.storage.collection import Collection


def tag_root(value: str) -> str:
    """A tag root as the user typed it ("AI200::" or "AI200/") in Cirrus's form ("AI200/")."""
    root = value.strip().replace("::", "/").strip("/")
    return f"{root}/" if root else ""


def service_domains(col: Collection, roots: Sequence[str] = ("",)) -> dict[str, str]:
    """Service slug -> the domain slug most of its notes are tagged with (under any root)."""
    counts: dict[str, dict[str, int]] = {}
    with col._read() as conn:
        for root in roots:
            rows = conn.execute(
                text(
                    "SELECT substr(s.tag, :sl + 1), substr(d.tag, :dl + 1), COUNT(*) "
                    "FROM note_tag s JOIN note_tag d ON d.note_id = s.note_id "
                    "WHERE s.tag LIKE :sp || '%' AND d.tag LIKE :dp || '%' GROUP BY 1, 2"
                ),
                {
                    "sp": f"{root}service/",
                    "dp": f"{root}domain/",
                    "sl": len(f"{root}service/"),
                    "dl": len(f"{root}domain/"),
                },
            ).all()
            for service, domain, n in rows:
                per = counts.setdefault(str(service), {})
                per[str(domain)] = per.get(str(domain), 0) + int(n)
    return {s: max(per, key=lambda d: (per[d], d)) for s, per in counts.items()}
