"""Cross-reference checks of a whole scenario: every id, ISO code, phase and offer it
names exists (run by Scenario's validators; each problem is located by its path)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from forceplan.scenario.domains import did_you_mean

if TYPE_CHECKING:
    from forceplan.scenario.model import Scenario


def cross_reference_problems(s: Scenario) -> list[str]:
    """Every located problem of references between the parts of ``s``: ids, ISO codes,
    phases, caveats, lead nations, treaty limits, fund members, forced exits."""
    problems: list[str] = []
    cap_ids = [c.id for c in s.capabilities]
    caps = set(cap_ids)
    mission_ids = [m.id for m in s.missions]
    missions = set(mission_ids)
    regions = {m.region for m in s.missions}
    isos = [n.iso for n in s.nations]

    for table, field, labels, values in (
        ("capabilities", "id", cap_ids, cap_ids),
        ("missions", "id", mission_ids, mission_ids),
        ("phases", "id", [p.id for p in s.phases], [p.id for p in s.phases]),
        ("nations", "iso", isos, isos),
        ("nations", "name", isos, [n.name for n in s.nations]),
    ):
        problems += _duplicates(table, field, labels, values)

    for i, n in enumerate(s.nations):
        where = f"nations[{i}] ({n.iso})"
        for cap in n.units:
            if cap not in caps:
                problems.append(f"{where}.units.{cap}: unknown capability {cap!r}")
        seen_commitments: dict[str, int] = {}
        for j, c in enumerate(n.commitments):
            if c.name in seen_commitments:
                problems.append(
                    f"{where}.commitments[{j}].name: duplicate commitment {c.name!r} "
                    f"(also commitments[{seen_commitments[c.name]}]); state each once"
                )
            seen_commitments.setdefault(c.name, j)
            if c.capability not in caps:
                problems.append(
                    f"{where}.commitments[{j}].capability: unknown capability {c.capability!r}"
                )
        for cv_name in n.caveats:
            if cv_name not in s.caveats:
                problems.append(
                    f"{where}.caveats: unknown caveat {cv_name!r} (declare it under [caveats])"
                )

    for cid, cv in s.caveats.items():
        for field in ("only_missions", "exclude_missions"):
            for m in getattr(cv, field):
                if m not in missions:
                    problems.append(f"caveats.{cid}.{field}: unknown mission {m!r}")
        for cap in cv.only_capabilities:
            if cap not in caps:
                problems.append(f"caveats.{cid}.only_capabilities: unknown capability {cap!r}")
        for r in cv.exclude_regions:
            if r not in regions:
                problems.append(
                    f"caveats.{cid}.exclude_regions: no mission is in region {r!r} "
                    f"(regions: {', '.join(sorted(regions))})"
                )

    declared_anywhere = set().union(*(n.units.keys() for n in s.nations))
    if s.backstop is not None:
        declared_anywhere |= set(s.backstop.units)
    for i, m in enumerate(s.missions):
        for cap in m.requirements:
            if cap not in caps:
                problems.append(
                    f"missions[{i}] ({m.id}).requirements.{cap}: unknown capability {cap!r}"
                )
            elif cap not in declared_anywhere:
                problems.append(
                    f"missions[{i}] ({m.id}).requirements.{cap}: no nation or backstop "
                    f"declares any {cap!r} units"
                )

    ordered = sorted(enumerate(s.phases), key=lambda ip: ip[1].start_month)
    if ordered[0][1].start_month != 1:
        problems.append(
            f"phases: the first phase must start in month 1, not {ordered[0][1].start_month}"
        )
    for (_, a), (j, b) in zip(ordered, ordered[1:], strict=False):
        if b.start_month <= a.end_month:
            problems.append(
                f"phases[{j}] ({b.id}): overlaps phase {a.id!r} "
                f"(starts month {b.start_month}, {a.id!r} ends month {a.end_month})"
            )
        elif b.start_month > a.end_month + 1:
            problems.append(
                f"phases[{j}] ({b.id}): gap of months {a.end_month + 1}-{b.start_month - 1} "
                f"after phase {a.id!r}"
            )
    for i, p in enumerate(s.phases):
        for m, reqs in (p.requirements or {}).items():
            if m not in missions:
                problems.append(f"phases[{i}] ({p.id}).requirements.{m}: unknown mission {m!r}")
            for cap in reqs:
                if cap not in caps:
                    problems.append(
                        f"phases[{i}] ({p.id}).requirements.{m}.{cap}: "
                        f"unknown capability {cap!r}"
                    )

    if s.backstop is not None:
        for cap in s.backstop.units:
            if cap not in caps:
                problems.append(f"backstop.units.{cap}: unknown capability {cap!r}")
        for m in s.backstop.missions:
            if m not in missions:
                problems.append(f"backstop.missions: unknown mission {m!r}")

    iso_set = set(isos)
    for m, leads in s.constraints.lead_nations.items():
        if m not in missions:
            problems.append(f"constraints.lead_nations.{m}: unknown mission {m!r}")
        for iso in leads:
            if iso not in iso_set:
                problems.append(f"constraints.lead_nations.{m}: unknown nation {iso!r}")
    for i, t in enumerate(s.constraints.treaty_limits):
        for cap in t.capabilities:
            if cap not in caps:
                problems.append(
                    f"constraints.treaty_limits[{i}].capabilities: unknown capability {cap!r}"
                )
        for m in t.missions:
            if m not in missions:
                problems.append(
                    f"constraints.treaty_limits[{i}].missions: unknown mission {m!r}"
                )
        for iso in t.nations:
            if iso not in iso_set:
                problems.append(
                    f"constraints.treaty_limits[{i}].nations: unknown nation {iso!r}"
                )
        if t.measure == "displacement_tonnes":
            named = t.capabilities or tuple(cap_ids)
            lacking = [
                c.id
                for c in s.capabilities
                if c.id in named and c.displacement_tonnes is None
            ]
            if t.capabilities and lacking:
                problems.append(
                    f"constraints.treaty_limits[{i}]: capabilities without "
                    f"displacement_tonnes: {', '.join(lacking)}"
                )
    for iso in s.costs.fund_members:
        if iso not in iso_set:
            problems.append(
                f"costs.fund_members: unknown nation {iso!r}{did_you_mean(iso, iso_set)}"
            )
    for iso in s.simulation.forced_exits:
        if iso not in iso_set:
            problems.append(
                f"simulation.forced_exits.{iso}: unknown nation {iso!r}"
                f"{did_you_mean(iso, iso_set)}"
            )
    training = s.simulation.training_mission
    if training is not None and training not in missions:
        problems.append(
            f"simulation.training_mission: unknown mission {training!r}"
            f"{did_you_mean(training, missions)}"
        )
    for k in s.levers.min_nations_on_ground or ():
        if k > len(s.nations):
            problems.append(
                f"levers.min_nations_on_ground: {k} exceeds the {len(s.nations)} "
                "nations declared"
            )
    if s.constraints.flags_wanted > len(s.nations):
        problems.append(
            f"constraints.min_nations_on_ground: {s.constraints.flags_wanted} "
            f"exceeds the {len(s.nations)} nations declared"
        )
    return problems


def contribution_problems(s: Scenario) -> list[str]:
    """Offers, service attributions and enabler ratios name what exists."""
    problems: list[str] = []
    caps = {c.id for c in s.capabilities}
    missions = {m.id for m in s.missions}
    for i, n in enumerate(s.nations):
        where = f"nations[{i}] ({n.iso})"
        for cap in n.services:
            if cap not in caps:
                problems.append(f"{where}.services.{cap}: unknown capability {cap!r}")
        for j, offer in enumerate(n.offers):
            for cap in offer.capabilities:
                if cap not in caps:
                    problems.append(
                        f"{where}.offers[{j}].capabilities: unknown capability {cap!r}"
                    )
            for m in offer.missions:
                if m not in missions:
                    problems.append(f"{where}.offers[{j}].missions: unknown mission {m!r}")
        for j, a in enumerate(n.offers):
            for k in range(j + 1, len(n.offers)):
                b = n.offers[k]
                shared = [
                    (m, c) for m in missions for c in caps if a.covers(m, c) and b.covers(m, c)
                ]
                if shared:
                    m, c = sorted(shared)[0]
                    problems.append(
                        f"{where}.offers[{k}]: overlaps offers[{j}] ({a.name!r}) on "
                        f"{len(shared)} lines, e.g. {m}/{c}; each line belongs to one offer"
                    )
    for i, r in enumerate(s.constraints.enabler_ratios):
        for field in ("enablers", "per"):
            for cap in getattr(r, field):
                if cap not in caps:
                    problems.append(
                        f"constraints.enabler_ratios[{i}].{field}: unknown capability {cap!r}"
                    )
        both = sorted(set(r.enablers) & set(r.per))
        if both:
            problems.append(
                f"constraints.enabler_ratios[{i}]: {', '.join(both)} is both an enabler "
                "and a manoeuvre capability"
            )
    return problems


def _duplicates(table: str, field: str, labels: list[str], values: list[str]) -> list[str]:
    """``table[j] (label).field: duplicate ...`` for every entry repeating an earlier one."""
    first: dict[str, int] = {}
    out = []
    for j, value in enumerate(values):
        if value in first:
            out.append(
                f"{table}[{j}] ({labels[j]}).{field}: duplicate {field} {value!r} "
                f"(also {table}[{first[value]}]); state each entry once"
            )
        else:
            first[value] = j
    return out
