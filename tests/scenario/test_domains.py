"""Every number the model reads is finite and inside a documented domain, values and ranges alike.

Each case writes a small variant of the tiny scenario and checks the exact located
problem: ``FILE: field.path: reason``.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from annotated_types import Ge, Gt, Le, Lt
from pydantic import AllowInfNan, BaseModel, Field, Strict
from pydantic.fields import FieldInfo
from scenario_helpers import only_problem, problems_of, variant

from forceplan.scenario import Figure, Scenario, Within, load_scenario

# -- figures: the value and both ends of the range ------------------------------------


@pytest.mark.parametrize(
    ("body", "where", "reason"),
    [
        (  # a negative low on a positive quantity
            '[[nations]]\niso = "AAA"\ngdp_usd_bn = { value = 3000, range = [-1, 4000] }\n',
            "nations[0] (AAA).gdp_usd_bn",
            "range low: must be positive (got -1)",
        ),
        (  # 1e30 high on rotation_ratio
            '[[capabilities]]\nid = "infantry_battalion"\n'
            "rotation_ratio = { value = 3, range = [2, 1e30] }\n",
            "capabilities[0] (infantry_battalion).rotation_ratio",
            "range high: 1e+30 is implausibly large for a rotation ratio (limit 12)",
        ),
        (  # 1e30 high on a unit cost
            '[[capabilities]]\nid = "infantry_battalion"\n'
            "annual_cost_per_unit_usd_m = { value = 100, range = [50, 1e30] }\n",
            "capabilities[0] (infantry_battalion).annual_cost_per_unit_usd_m",
            "range high: 1e+30 is implausibly large for annual cost per unit in US$ million "
            "(limit 100000)",
        ),
        (  # a negative low on a unit cost
            '[[capabilities]]\nid = "infantry_battalion"\n'
            "annual_cost_per_unit_usd_m = { value = 100, range = [-5, 200] }\n",
            "capabilities[0] (infantry_battalion).annual_cost_per_unit_usd_m",
            "range low: must not be negative (got -5)",
        ),
        (  # a rotation-ratio range reaching below 1
            '[[capabilities]]\nid = "infantry_battalion"\n'
            "rotation_ratio = { value = 3, range = [0.5, 4] }\n",
            "capabilities[0] (infantry_battalion).rotation_ratio",
            "range low: must be at least 1 (got 0.5)",
        ),
        (
            '[[nations]]\niso = "AAA"\nmax_army_share = { value = 0.2, range = [0.1, 1.5] }\n',
            "nations[0] (AAA).max_army_share",
            "range high: must be a share between 0 and 1 (got 1.5)",
        ),
        (
            '[[nations]]\niso = "AAA"\n'
            "units = { infantry_battalion = { value = 9, range = [0, 1e5] } }\n",
            "nations[0] (AAA).units.infantry_battalion",
            "range high: 100000 is implausibly large for a number of units (limit 10000)",
        ),
        (
            '[[nations]]\niso = "AAA"\ngdp_usd_bn = { value = 3000, range = [4000, 2000] }\n',
            "nations[0] (AAA).gdp_usd_bn",
            "range low 4000 is above range high 2000",
        ),
        (
            '[[nations]]\niso = "AAA"\ngdp_usd_bn = { value = 10, range = [20, 30] }\n',
            "nations[0] (AAA).gdp_usd_bn",
            "value 10 lies outside its range [20, 30]",
        ),
        (
            '[[nations]]\niso = "AAA"\ngdp_usd_bn = { value = nan }\n',
            "nations[0] (AAA).gdp_usd_bn.value",
            "Input should be a finite number",
        ),
        (
            '[[nations]]\niso = "AAA"\ngdp_usd_bn = { value = 3000, range = [-inf, 4000] }\n',
            "nations[0] (AAA).gdp_usd_bn.range[0]",
            "Input should be a finite number",
        ),
        (
            "[simulation]\ncost_pressure_weight = { value = inf }\n",
            "simulation.cost_pressure_weight.value",
            "Input should be a finite number",
        ),
        (
            "[simulation]\ncasualty_weight = 11\n",
            "simulation.casualty_weight",
            "11 is implausibly large for a log-hazard weight (limit 10)",
        ),
        (
            '[[nations]]\niso = "AAA"\ncost_factor = 0\n',
            "nations[0] (AAA).cost_factor",
            "must be positive (got 0)",
        ),
        (
            "[costs]\nunit_cost_correlation = 1.5\n",
            "costs.unit_cost_correlation",
            "must be a share between 0 and 1 (got 1.5)",
        ),
        (
            '[[nations]]\niso = "AAA"\ngdp_usd_bn = "3000"\n',
            "nations[0] (AAA).gdp_usd_bn",
            "expected a number or a { value = ..., source = ... } table, got the text '3000'",
        ),
        (
            '[[nations]]\niso = "AAA"\ngdp_usd_bn = { value = true }\n',
            "nations[0] (AAA).gdp_usd_bn.value",
            "Input should be a valid number",
        ),
        (
            '[constraints]\n[[constraints.treaty_limits]]\nname = "x"\nmeasure = "units"\n'
            "maximum = 1e30\n",
            "constraints.treaty_limits[0].maximum",
            "1e+30 is implausibly large for a treaty maximum (limit 1e+07)",
        ),
        (
            '[[capabilities]]\nid = "fighter_squadron"\ndisplacement_tonnes = 0\n',
            "capabilities[1] (fighter_squadron).displacement_tonnes",
            "must be positive (got 0)",
        ),
        (
            "[backstop]\nunits = { fighter_squadron = 1 }\ncredibility = { value = 0.5, "
            "range = [0.2, 2] }\n",
            "backstop.credibility",
            "range high: must be a share between 0 and 1 (got 2)",
        ),
        (
            "[simulation]\nexit_hazard_per_year.willing = { value = 0.1, range = [-0.1, 0.2] }\n",
            "simulation.exit_hazard_per_year.willing",
            "range low: must be a share between 0 and 1 (got -0.1)",
        ),
    ],
)
def test_figure_values_and_ranges_in_domain(
    tmp_path: Path, body: str, where: str, reason: str
) -> None:
    path = variant(tmp_path, body)
    assert only_problem(path) == f"{path}: {where}: {reason}"


# -- plain numbers: strict, finite, bounded -------------------------------------------


@pytest.mark.parametrize(
    ("body", "where", "reason"),
    [
        (
            '[[phases]]\nid = "sustain"\nmultiplier = nan\n',
            "phases[0] (sustain).multiplier",
            "Input should be a finite number",
        ),
        (
            '[[phases]]\nid = "sustain"\nmultiplier = true\n',
            "phases[0] (sustain).multiplier",
            "Input should be a valid number",
        ),
        (
            '[[phases]]\nid = "sustain"\nmultiplier = 11\n',
            "phases[0] (sustain).multiplier",
            "Input should be less than or equal to 10",
        ),
        (
            '[[phases]]\nid = "sustain"\nstart_month = 1.5\n',
            "phases[0] (sustain).start_month",
            "Input should be a valid integer",
        ),
        (
            '[[phases]]\nid = "sustain"\nend_month = "12"\n',
            "phases[0] (sustain).end_month",
            "Input should be a valid integer",
        ),
        (
            '[[missions]]\nid = "land"\npriority = true\n',
            "missions[0] (land).priority",
            "Input should be a valid integer",
        ),
        ("currency_year = 2025.0\n", "currency_year", "Input should be a valid integer"),
        (
            "[simulation]\nforced_exits = { AAA = 0 }\n",
            "simulation.forced_exits.AAA",
            "Input should be greater than or equal to 1",
        ),
        (
            "[simulation]\nforced_exits = { AAA = true }\n",
            "simulation.forced_exits.AAA",
            "Input should be a valid integer",
        ),
        (
            "[constraints]\nmin_nations_on_ground = 1.5\n",
            "constraints.min_nations_on_ground",
            "must be a whole number (got 1.5)",
        ),
    ],
)
def test_plain_numbers_strict_finite_bounded(
    tmp_path: Path, body: str, where: str, reason: str
) -> None:
    path = variant(tmp_path, body)
    assert only_problem(path) == f"{path}: {where}: {reason}"


def test_forced_exit_and_training_mission_checked_at_load_time(tmp_path: Path) -> None:
    path = variant(tmp_path, '[simulation]\nforced_exits = { ZZZ = 3 }\ntraining_mission = "lnd"\n')
    assert problems_of(path) == [
        f"{path}: simulation.forced_exits.ZZZ: unknown nation 'ZZZ'",
        f"{path}: simulation.training_mission: unknown mission 'lnd' (did you mean 'land'?)",
    ]


def test_simulation_extra_is_refused_until_the_model_reads_a_name(tmp_path: Path) -> None:
    path = variant(tmp_path, "[simulation]\nextra = { rotation_ratio = 2 }\n")
    assert only_problem(path) == (
        f"{path}: simulation.extra.rotation_ratio: no part of the model reads this parameter "
        "(names read: none yet); to draw a quantity, declare it under [uncertainties]"
    )
    path = variant(tmp_path, "[simulation]\nextra = { x = nan }\n", "nan.toml")
    assert (
        only_problem(path) == f"{path}: simulation.extra.x.value: Input should be a finite number"
    )


def test_duplicate_commitment_in_one_nation(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        '[[nations]]\niso = "AAA"\ncommitments = [\n'
        '  { name = "eFP", capability = "infantry_battalion", units = 1, floor = 0 },\n'
        '  { name = "eFP", capability = "infantry_battalion", units = 2, floor = 1 },\n]\n',
    )
    assert only_problem(path) == (
        f"{path}: nations[0] (AAA).commitments[1].name: duplicate commitment 'eFP' "
        "(also commitments[0]); state each once"
    )


# -- uncertainties: finite parameters, each name within its own domain ------------------


def _unc(name: str, **params: Any) -> str:
    lines = [f"[uncertainties.{name}]"]
    lines += [f"{k} = {v}" for k, v in params.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "1e300"])
@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("cost_overrun", {"distribution": '"fixed"', "value": "1.1"}, "value"),
        ("cost_overrun", {"distribution": '"uniform"', "low": "1.0", "high": "1.3"}, "low"),
        ("cost_overrun", {"distribution": '"uniform"', "low": "1.0", "high": "1.3"}, "high"),
        (
            "cost_overrun",
            {"distribution": '"triangular"', "low": "1.0", "mode": "1.1", "high": "1.3"},
            "mode",
        ),
        ("cost_overrun", {"distribution": '"lognormal"', "mean": "1.15", "sd": "0.1"}, "mean"),
        ("cost_overrun", {"distribution": '"lognormal"', "mean": "1.15", "sd": "0.1"}, "sd"),
        ("trainee_retention", {"distribution": '"beta"', "alpha": "2", "beta": "5"}, "alpha"),
        ("trainee_retention", {"distribution": '"beta"', "alpha": "2", "beta": "5"}, "beta"),
    ],
)
def test_uncertainty_parameters_refuse_nan_inf_and_huge(
    tmp_path: Path, name: str, params: dict[str, str], field: str, bad: str
) -> None:
    path = variant(tmp_path, _unc(name, **{**params, field: bad}))
    msgs = problems_of(path)
    assert msgs, "must be refused"
    assert all(m.startswith(f"{path}: uncertainties.{name}") for m in msgs), msgs
    if bad == "1e300":
        limit = "less than or equal to 1000000000000"
        assert f"{path}: uncertainties.{name}.{field}: Input should be {limit}" in msgs
    elif bad == "-inf" and field in ("sd", "alpha", "beta"):
        assert any(f"uncertainties.{name}.{field}: " in m for m in msgs), msgs
    else:
        assert f"{path}: uncertainties.{name}.{field}: Input should be a finite number" in msgs


@pytest.mark.parametrize(
    ("name", "params", "reason"),
    [
        (
            "cost_overrun",
            {"distribution": '"fixed"', "value": "0"},
            "value 0 lies outside the domain (0, 100] (a multiplier)",
        ),
        (
            "cost_overrun",  # a normal with a wide sd reaches below zero
            {"distribution": '"normal"', "mean": "1.15", "sd": "0.3"},
            "its draws span -0.276027 to 2.57603 (all but one draw in 1,000,000), outside "
            "the domain (0, 100] (a multiplier)",
        ),
        (
            "trainee_retention",
            {"distribution": '"uniform"', "low": "0.5", "high": "1.2"},
            "its draws span 0.5 to 1.2, outside the domain [0, 1] (a share between 0 and 1)",
        ),
        (
            "political_correlation",
            {"distribution": '"uniform"', "low": "-0.5", "high": "0.5"},
            "its draws span -0.5 to 0.5, outside the domain [0, 1] (between 0 and 1)",
        ),
        (
            "offensive_hazard_base_per_year",
            {"distribution": '"fixed"', "value": "1.5"},
            "value 1.5 lies outside the domain [0, 1] (a probability between 0 and 1)",
        ),
        (
            "ukraine_force_initial",
            {"distribution": '"fixed"', "value": "-5"},
            "value -5 lies outside the domain [0, 1e+07] (a number of personnel)",
        ),
        (
            "backstop_credibility",  # known, no bundled default, still a probability
            {"distribution": '"fixed"', "value": "2"},
            "value 2 lies outside the domain [0, 1] (a probability between 0 and 1)",
        ),
        (
            "cost_overrun",  # a scenario's own domain does not widen the bundled one
            {"distribution": '"fixed"', "value": "0", "domain": '"real"'},
            "value 0 lies outside the domain (0, 100] (a multiplier)",
        ),
        (
            "cost_overrun",  # ... and its own domain, when narrower, holds too
            {"distribution": '"fixed"', "value": "1.15", "domain": "{ min = 0, max = 1.1 }"},
            "value 1.15 lies outside the domain [0, 1.1] (between 0 and 1.1)",
        ),
    ],
)
def test_uncertainty_within_its_names_domain(
    tmp_path: Path, name: str, params: dict[str, str], reason: str
) -> None:
    path = variant(tmp_path, _unc(name, **params))
    assert only_problem(path) == f"{path}: uncertainties.{name}: {reason}"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cost_overrun", {"distribution": '"lognormal"', "mean": "1.15", "sd": "0.15"}),
        ("trainee_retention", {"distribution": '"beta"', "alpha": "2", "beta": "5"}),
        ("exit_hazard_scale", {"distribution": '"beta"', "alpha": "2", "beta": "5"}),
        ("ukraine_domestic_change_per_month", {"distribution": '"normal"', "mean": "0", "sd": "1"}),
        ("my_share", {"distribution": '"uniform"', "low": "0", "high": "1", "domain": '"share"'}),
    ],
)
def test_uncertainty_within_domain_loads(tmp_path: Path, name: str, params: dict[str, str]) -> None:
    s = load_scenario(variant(tmp_path, _unc(name, **params)))
    assert name in s.uncertainties


def test_unknown_uncertainty_name_needs_a_domain(tmp_path: Path) -> None:
    path = variant(tmp_path, _unc("cost_overun", distribution='"fixed"', value="1"))
    assert only_problem(path) == (
        f"{path}: uncertainties.cost_overun: unknown parameter (did you mean 'cost_overrun'?); "
        'a parameter of your own needs a domain, e.g. domain = "share" or { min = 0, max = 10 }'
    )


@pytest.mark.parametrize(
    ("domain", "where", "reason"),
    [
        (
            '"shares"',
            "uncertainties.mine.domain",
            "Input should be 'real', 'non_negative', 'positive', 'share', 'probability', "
            "'correlation', 'multiplier', 'personnel' or 'count'",
        ),
        ("{ min = 1, max = 1 }", "uncertainties.mine.domain", "min (1) must be below max (1)"),
        (
            "{ min = 0, max = 1e300 }",
            "uncertainties.mine.domain.max",
            "Input should be less than or equal to 1000000000000",
        ),
        ("{ min = 0 }", "uncertainties.mine.domain.max", "required field is missing"),
        (
            "{ min = 0, max = 0.5 }",
            "uncertainties.mine",
            "value 0.7 lies outside the domain [0, 0.5] (between 0 and 0.5)",
        ),
    ],
)
def test_own_domain_of_a_new_parameter(
    tmp_path: Path, domain: str, where: str, reason: str
) -> None:
    path = variant(tmp_path, _unc("mine", distribution='"fixed"', value="0.7", domain=domain))
    assert only_problem(path) == f"{path}: {where}: {reason}"


def test_domain_of_a_declared_parameter_does_not_change_its_draws_or_the_hash(
    tmp_path: Path,
) -> None:
    """An unset domain stays out of every dump, so hashes of existing scenarios hold."""
    plain = load_scenario(
        variant(tmp_path, _unc("cost_overrun", distribution='"fixed"', value="1"))
    )
    dumped = plain.model_dump(mode="json")["uncertainties"]["cost_overrun"]
    assert "domain" not in dumped
    with_domain = load_scenario(
        variant(
            tmp_path,
            _unc("cost_overrun", distribution='"fixed"', value="1", domain='"multiplier"'),
            "d.toml",
        )
    )
    assert with_domain.uncertainties["cost_overrun"].model_dump()["domain"] == "multiplier"


# -- the class, not the instances: every number in the schema has a domain ---------------


def _leaves(tp: Any, meta: tuple[Any, ...] = ()) -> list[tuple[Any, tuple[Any, ...]]]:
    origin = get_origin(tp)
    if origin is Annotated:
        base, *more = get_args(tp)
        return _leaves(base, (*meta, *more))
    if origin in (Union, types.UnionType):
        return [leaf for a in get_args(tp) if a is not type(None) for leaf in _leaves(a, meta)]
    if origin in (tuple, list):
        return [leaf for a in get_args(tp) if a is not Ellipsis for leaf in _leaves(a)]
    if origin is dict:
        return _leaves(get_args(tp)[1])
    return [(tp, meta)]


def _flat(meta: tuple[Any, ...]) -> list[Any]:
    """Constraint objects, with those inside a ``Field(...)`` in ``Annotated`` unpacked."""
    out: list[Any] = []
    for m in meta:
        out.extend(m.metadata if isinstance(m, FieldInfo) else [m])
    return out


def _numeric_fields(model: type[BaseModel], seen: set[type]) -> list[tuple[str, Any, list[Any]]]:
    out = []
    seen.add(model)
    for name, info in model.model_fields.items():
        for tp, meta in _leaves(info.annotation, tuple(info.metadata)):
            flat = _flat(meta)
            where = f"{model.__name__}.{name}"
            if isinstance(tp, type) and issubclass(tp, Figure) or tp in (int, float):
                out.append((where, tp, flat))
            elif isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in seen:
                out.extend(_numeric_fields(tp, seen))
    return out


def _without_domain(model: type[BaseModel]) -> list[str]:
    missing = []
    for where, tp, flat in _numeric_fields(model, {Figure}):
        if tp is Figure:
            ok = any(isinstance(m, Within) for m in flat)
        else:
            lower = any(isinstance(m, Ge | Gt) for m in flat)
            upper = any(isinstance(m, Le | Lt) for m in flat)
            strict = Strict(strict=True) in flat
            finite = tp is int or AllowInfNan(allow_inf_nan=False) in flat
            ok = lower and upper and strict and finite
        if not ok:
            missing.append(where)
    return missing


def test_every_number_in_the_schema_has_a_domain() -> None:
    """A new field (any stream) must state its domain: Within for figures; strict bounds
    (and no NaN) for plain numbers. Figure's own value/range are bounded by Within."""
    assert len(_numeric_fields(Scenario, {Figure})) > 30
    assert _without_domain(Scenario) == []


def test_the_domain_sweep_finds_a_number_without_one() -> None:
    class Loose(BaseModel):
        bare: float
        lax: Annotated[float, Field(ge=0, le=1)]
        figure: Figure
        figures: dict[str, Annotated[Figure, Within(0, 1, "a share")]]
        count: Annotated[int, Field(strict=True, ge=0)]

    assert _without_domain(Loose) == ["Loose.bare", "Loose.lax", "Loose.figure", "Loose.count"]


def _doc_rows(model: type[BaseModel], prefix: str = "") -> list[str]:
    """`| `path` | `interval` |` for every number of the schema, as docs/scenario.md lists it."""
    out: list[str] = []
    for name, info in model.model_fields.items():
        out += _doc_leaf(info.annotation, tuple(info.metadata), f"{prefix}{name}")
    return out


def _doc_leaf(tp: Any, meta: tuple[Any, ...], path: str) -> list[str]:
    origin = get_origin(tp)
    if origin is Annotated:
        base, *more = get_args(tp)
        return _doc_leaf(base, (*meta, *more), path)
    if origin in (Union, types.UnionType):
        return [r for a in get_args(tp) if a is not type(None) for r in _doc_leaf(a, meta, path)]
    if origin in (tuple, list):
        return [r for a in get_args(tp) if a is not Ellipsis for r in _doc_leaf(a, (), path + "[]")]
    if origin is dict:
        return _doc_leaf(get_args(tp)[1], (), path + ".<key>")
    flat = _flat(meta)
    if tp is Figure:
        within = next(m for m in flat if isinstance(m, Within))
        return [f"| `{path}` | `{within.interval.notation()}` |"]
    if tp in (int, float):
        low = next(m for m in flat if isinstance(m, Ge | Gt))
        high = next(m for m in flat if isinstance(m, Le | Lt))
        left = "(" if isinstance(low, Gt) else "["
        right = ")" if isinstance(high, Lt) else "]"
        lo = low.gt if isinstance(low, Gt) else low.ge
        hi = high.lt if isinstance(high, Lt) else high.le
        return [f"| `{path}` | `{left}{lo:g}, {hi:g}{right}` |"]
    if isinstance(tp, type) and issubclass(tp, BaseModel) and tp is not Figure:
        return _doc_rows(tp, path + ".")
    return []


def test_docs_list_the_domain_of_every_number() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenario.md").read_text()
    rows = _doc_rows(Scenario)
    assert len(rows) > 35
    assert [r for r in rows if r not in doc] == []
