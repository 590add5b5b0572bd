"""``docs/benchmarks.md`` from the results JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEAD = """# Benchmarks: Cirrus beside Anki

Made by `python -m benchmarks` (the `bench` extra); raw figures in `benchmarks.json`.
Both sides read the same data: an FSRS collection built by the real Anki (20 decks,
80 % review cards with about 12 reviews each, 20 % new), exported with scheduling and
imported into Cirrus. Lock-step workloads hold both collections in one process and answer
one card on each side in turn (the side going first alternates), in fresh processes;
ratios are Cirrus / Anki, median over processes with (min-max). Load is the 1/5/15-minute
load average before and after the workload (other processes share the machine).

"""


MARKER = "<!-- written by hand below; python -m benchmarks keeps it -->"


def _r(d: dict[str, float]) -> str:
    return f"{d['median']:.2f}x ({d['min']:.2f}-{d['max']:.2f})"


def _lockstep(name: str, w: dict[str, Any]) -> list[str]:
    wall, cpu = w["wall_ms"], w["cpu_ms"]
    c, a = wall["cirrus"], wall["anki"]
    lines = [
        f"| {name}: wall p50 / p95 / p99 | {c['p50']:.2f} / {c['p95']:.2f} / {c['p99']:.2f} ms "
        f"| {a['p50']:.2f} / {a['p95']:.2f} / {a['p99']:.2f} ms "
        f"| {_r(wall['ratio']['p50'])} / {_r(wall['ratio']['p95'])} / {_r(wall['ratio']['p99'])} "
        f"| {w['processes']} x {w['answers_per_process']} answers; load {w['load_before']} "
        f"-> {w['load_after']} |",
        f"| {name}: CPU p50 / p95 | {cpu['cirrus']['p50']:.2f} / {cpu['cirrus']['p95']:.2f} ms "
        f"| {cpu['anki']['p50']:.2f} / {cpu['anki']['p95']:.2f} ms "
        f"| {_r(cpu['ratio']['p50'])} / {_r(cpu['ratio']['p95'])} | |",
    ]
    for clock, label in (("wall_ms", "wall"), ("cpu_ms", "CPU")):
        fl = w.get(f"first_last_500_{clock}")
        if fl is None:
            continue
        cells = [
            " / ".join(
                f"{fl[part][side]['p50']:.2f}, {fl[part][side]['p95']:.2f} ms"
                for part in ("first", "last")
            )
            for side in ("cirrus", "anki")
        ]
        lines.append(
            f"| {name}: first / last 500 answers, {label} p50, p95 | {cells[0]} | {cells[1]} "
            "| | flat: last close to first |"
        )
    drift = w["drift_last_over_first_quarter"]
    lines.append(
        f"| {name}: last / first quarter of answers, p50 | {_r(drift['cirrus'])} "
        f"| {_r(drift['anki'])} | | flat is 1.0 |"
    )
    return lines


def _imports(name: str, w: dict[str, Any]) -> list[str]:
    out = []
    for key, unit in (("wall", "s"), ("cpu", "s"), ("rss_mb", "MB")):
        c, a = w[key]["cirrus"]["median"], w[key]["anki"]["median"]
        label = {"wall": "time", "cpu": "CPU", "rss_mb": "peak RSS"}[key]
        note = (
            f"{w['processes']} fresh processes each; load {w['load_before']} -> {w['load_after']}"
        )
        out.append(
            f"| {name}: {label} | {c:.2f} {unit} | {a:.2f} {unit} | {_r(w[key]['ratio'])} "
            f"| {note if key == 'wall' else ''} |"
        )
    return out


def _ms(d: dict[str, float]) -> str:
    return f"{d['median']:.0f} ms ({d['min']:.0f}-{d['max']:.0f})"


def _start(w: dict[str, Any]) -> list[str]:
    out = []
    for cards, by_cache in w["sizes"].items():
        for cache in ("warm", "cold"):
            f = by_cache[cache]
            n = by_cache["processes_per_side_and_cache"]
            out.append(
                f"| start ({int(cards):,} cards, {cache}): Cirrus first card / deck list vs "
                f"Anki desktop's deck list painted | {_ms(f['cirrus_first_card'])} / "
                f"{_ms(f['cirrus_deck_list'])} | {_ms(f['anki_deck_list'])} "
                f"| {_r(f['ratio_first_card_over_anki_deck_list'])} / "
                f"{_r(f['ratio_deck_list_over_anki_deck_list'])} "
                f"| bare PySide6 window {_ms(f['bare'])}; {n} fresh processes each, "
                f"interleaved; load {w['load_before']} -> {w['load_after']} |"
            )
    return out


def write(results: dict[str, Any], path: Path) -> None:
    m = results["machine"]
    lines = [
        HEAD,
        f"Machine: {m['cores']} cores, {m['cpu']}; {m['system']}; Python {m['python']}; "
        f"Anki {m['anki']}" + (f"; Cirrus's SQLite {m['sqlite']}." if "sqlite" in m else "."),
        "",
        "| workload | Cirrus | Anki | Cirrus / Anki | notes |",
        "|---|---|---|---|---|",
    ]
    for name, w in results["workloads"].items():
        title = f"{name} ({w['cards']:,} cards)"
        if name in ("study_screen", "core_loop"):
            lines += _lockstep(title, w)
        elif name.startswith("import"):
            lines += _imports(title if name == "import_100k" else name + " (20k notes)", w)
        elif name == "stats":
            warm, after = w["warm_s"], w["after_import_s"]
            lines.append(
                f"| {title}: warm, all service groups vs Anki's whole-collection graphs "
                f"| {warm['cirrus']['median']:.3f} s | {warm['anki']['median']:.3f} s "
                f"| {_r(warm['ratio'])} | load {w['load_before']} -> {w['load_after']} |"
            )
            lines.append(
                f"| {title}: first request after importing 40 notes | {after['cirrus']:.3f} s "
                f"| {after['anki']:.3f} s | {after['ratio']:.2f}x | one run |"
            )
        elif name == "start":
            lines += _start(w)
        elif name == "db_size":
            lines.append(
                f"| {title}: database bytes per card (after VACUUM) "
                f"| {w['cirrus']['bytes_per_card']:.0f} | {w['anki']['bytes_per_card']:.0f} "
                f"| {w['ratio']:.2f}x | |"
            )
    # what is written by hand below the marker (findings, profiles) is kept
    kept = ""
    if path.exists() and MARKER in path.read_text():
        kept = path.read_text().split(MARKER, 1)[1]
    path.write_text("\n".join(lines) + "\n\n" + MARKER + kept.rstrip("\n") + "\n")
