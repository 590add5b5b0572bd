"""Exam readiness rows: domains, each with its services, titled, weakest first.

Groups come from tags (``service/<slug>``, ``domain/<n>-<slug>``); notes from elsewhere
(an Anki deck tagged ``AI200::service::<slug>``) count too when their tag root is set:
their groups are merged into the same rows by slug.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.core.statistics import GroupStats, RetentionCounts

OTHER = "other"


def merge(a: GroupStats, b: GroupStats) -> GroupStats:
    """One group holding the cards and answers of both (sums add, means reweighted)."""

    def mean(x: float | None, nx: int, y: float | None, ny: int) -> float | None:
        parts = [(v, n) for v, n in ((x, nx), (y, ny)) if v is not None and n]
        total = sum(n for _, n in parts)
        return sum(v * n for v, n in parts) / total if total else None

    periods = set(a.retention) | set(b.retention)
    retention = {
        p: RetentionCounts(
            *(
                getattr(a.period(p), f) + getattr(b.period(p), f)
                for f in ("young_pass", "young_fail", "mature_pass", "mature_fail")
            )
        )
        for p in periods
    }
    return GroupStats(
        key=a.key,
        cards=a.cards + b.cards,
        studied=a.studied + b.studied,
        mature=a.mature + b.mature,
        reviews=a.reviews + b.reviews,
        retention=retention,
        recall_sum_now=a.recall_sum_now + b.recall_sum_now,
        recall_sum_at=a.recall_sum_at + b.recall_sum_at,
        mean_stability_days=mean(
            a.mean_stability_days, a.studied, b.mean_stability_days, b.studied
        ),
        mean_difficulty=mean(a.mean_difficulty, a.studied, b.mean_difficulty, b.studied),
        lapses=a.lapses + b.lapses,
        leeches=a.leeches + b.leeches,
    )


def combine(*lists: Sequence[GroupStats]) -> list[GroupStats]:
    """Groups of several tag roots merged by key."""
    out: dict[str, GroupStats] = {}
    for groups in lists:
        for g in groups:
            out[g.key] = merge(out[g.key], g) if g.key in out else g
    return sorted(out.values(), key=lambda g: g.key)


def slug_title(slug: str) -> str:
    """A readable name for a tag slug without a known title ("event-grid" -> "Event grid")."""
    words = slug.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else slug


@dataclass(frozen=True)
class ReadinessRow:
    kind: str
    """"domain" or "service"."""
    key: str
    title: str
    group: GroupStats
    children: list[ReadinessRow] = field(default_factory=list)

    @property
    def at_exam(self) -> float:
        return self.group.projected_coverage_recall or 0.0


def readiness_tree(
    domains: Sequence[GroupStats],
    services: Sequence[GroupStats],
    service_domain: Mapping[str, str],
    domain_titles: Mapping[str, str],
    service_titles: Mapping[str, str],
) -> list[ReadinessRow]:
    """Domains weakest first, each followed by its services weakest first.

    A service belongs to the domain most of its notes are tagged with; services without
    one come last, under "Other".
    """

    def order(row: ReadinessRow) -> tuple[float, str]:
        return (row.at_exam, row.title)

    children: dict[str, list[ReadinessRow]] = {}
    for g in services:
        title = service_titles.get(g.key) or SERVICE_NAMES.get(g.key) or slug_title(g.key)
        row = ReadinessRow("service", g.key, title, g)
        children.setdefault(service_domain.get(g.key, OTHER), []).append(row)
    rows = [
        ReadinessRow(
            "domain",
            g.key,
            domain_titles.get(g.key) or slug_title(g.key),
            g,
            sorted(children.pop(g.key, []), key=order),
        )
        for g in domains
    ]
    rows.sort(key=order)
    leftover = [row for rest in children.values() for row in rest]
    if leftover:
        rows.append(
            ReadinessRow(
                "domain",
                OTHER,
                "Other services",
                _sum(leftover),
                sorted(leftover, key=order),
            )
        )
    return rows


def _sum(rows: list[ReadinessRow]) -> GroupStats:
    total = rows[0].group
    for row in rows[1:]:
        total = merge(total, row.group)
    return GroupStats(**{**total.__dict__, "key": OTHER})


SERVICE_NAMES = {
    "aks": "Azure Kubernetes Service",
    "app-configuration": "Azure App Configuration",
    "app-insights": "Application Insights",
    "container-apps": "Azure Container Apps",
    "container-registry": "Azure Container Registry",
    "cosmos-db": "Azure Cosmos DB",
    "docker": "Docker",
    "event-grid": "Azure Event Grid",
    "event-hubs": "Azure Event Hubs",
    "functions": "Azure Functions",
    "identity": "Microsoft Entra ID and the Azure Identity SDK",
    "key-vault": "Azure Key Vault",
    "managed-redis": "Azure Managed Redis",
    "monitor": "Azure Monitor",
    "postgresql": "Azure Database for PostgreSQL",
    "service-bus": "Azure Service Bus",
    "storage-queues": "Azure Queue Storage",
    "vector-search": "Vector search",
}
"""The product names of the services the bundled decks tag, for when two services share
the deck their title would come from."""


def distinct_titles(titles: Mapping[str, str]) -> dict[str, str]:
    """Titles with no two groups alike: slugs sharing a title (services taught by one deck)
    get their product name, else a readable form of their own slug."""
    seen: dict[str, int] = {}
    for title in titles.values():
        seen[title] = seen.get(title, 0) + 1
    return {
        slug: t if seen[t] == 1 else SERVICE_NAMES.get(slug) or slug_title(slug)
        for slug, t in titles.items()
    }
