"""Table helpers shared by the statistics window's tabs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from app.core.statistics import GroupStats

Cell = tuple[str, float | None, str]
"""(text, sort value or None for text columns, tooltip)."""


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def item(text: str, sort: float | None = None, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if sort is not None:
        item.setData(Qt.ItemDataRole.UserRole, sort)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def num(value: int) -> tuple[str, float | None, str]:
    return str(value), float(value), ""


def group_cells(g: GroupStats) -> list[tuple[str, float | None, str]]:
    """(text, sort value, tooltip) for each column of the groups table."""

    def rate(period: str, mature: bool) -> tuple[str, float | None, str]:
        c = g.period(period)
        value = c.mature if mature else c.young
        n = (c.mature_pass + c.mature_fail) if mature else (c.young_pass + c.young_fail)
        return pct(value), value if value is not None else -1.0, f"{n} reviews"

    return [
        (g.key, None, ""),
        num(g.cards),
        num(g.studied),
        num(g.mature),
        num(g.reviews),
        rate("7d", False),
        rate("30d", False),
        rate("all", False),
        rate("7d", True),
        rate("30d", True),
        rate("all", True),
        (pct(g.recall_now), g.recall_now or 0.0, "mean recall of studied cards"),
        (pct(g.coverage_recall), g.coverage_recall or 0.0, "unseen cards count as 0"),
        (
            pct(g.projected_coverage_recall),
            g.projected_coverage_recall or 0.0,
            f"studied cards only: {pct(g.projected_recall)}",
        ),
        (
            "-" if g.mean_stability_days is None else f"{g.mean_stability_days:.1f}d",
            g.mean_stability_days or 0.0,
            "",
        ),
        (
            "-" if g.mean_difficulty is None else f"{g.mean_difficulty:.1f}",
            g.mean_difficulty or 0.0,
            "",
        ),
        num(g.lapses),
        num(g.leeches),
    ]


def make_table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    return table


def fill_table(table: QTableWidget, rows: list[list[Cell]]) -> None:
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, (text, sort, tip) in enumerate(cells):
            table.setItem(r, c, item(text, sort, tip))
    table.resizeColumnsToContents()
