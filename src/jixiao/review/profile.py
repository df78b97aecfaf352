"""Reviewer profiles: the thresholds that are practice rather than rule, kept out of code.

A profile is a TOML file (``profiles/default.toml``, ``profiles/ningxia.toml`` or any path). It may
``extends = "<name>"`` another profile and override only what differs; tables merge key by key.
Profiles are frozen pydantic models so a typo in a TOML key is an error, not a silent default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jixiao.errors import ConfigError
from jixiao.schema import Form, Severity

PROFILE_PACKAGE = "jixiao.review.profiles"
DEFAULT_PROFILE = "default"
AUTO = "auto"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WeightSettings(_Frozen):
    """Weight totals and the level1 split (review-rules.md §3)."""

    expected_total: float = 90
    budget_exec_points: float = 10
    tolerance: float = 0.01
    split: dict[str, float] = Field(
        default_factory=lambda: {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}
    )
    split_tolerance: float = 10
    satisfaction_share_max: float = 20
    effect_share_min: float = 10


class SatisfactionSettings(_Frozen):
    """满意度 floor; values at or above 100 are always flagged."""

    minimum: float = 80


class Level2Settings(_Frozen):
    """Level2 categories a region requires (error) or recommends (info)."""

    required: tuple[str, ...] = ()
    recommended: tuple[str, ...] = ()


class CostSettings(_Frozen):
    """How far costs may exceed the budget before it is an error rather than rounding."""

    budget_tolerance: float = 0.01


class OperatorSettings(_Frozen):
    """Operator exceptions of a region's template."""

    money_ge_allowed: tuple[str, ...] = ()
    report_missing_embedded: bool = False


class RuleSwitches(_Frozen):
    """Rules turned off, and optional rules turned on."""

    disabled: tuple[str, ...] = ()
    enabled: tuple[str, ...] = ()


class Profile(_Frozen):
    """One reviewer profile, as loaded and merged from TOML."""

    name: str = DEFAULT_PROFILE
    description: str = ""
    extends: str | None = None
    match: tuple[str, ...] = ()
    weights: WeightSettings = Field(default_factory=WeightSettings)
    satisfaction: SatisfactionSettings = Field(default_factory=SatisfactionSettings)
    level2: Level2Settings = Field(default_factory=Level2Settings)
    cost: CostSettings = Field(default_factory=CostSettings)
    operator: OperatorSettings = Field(default_factory=OperatorSettings)
    rules: RuleSwitches = Field(default_factory=RuleSwitches)
    severity: dict[str, Severity] = Field(default_factory=dict)

    def is_enabled(self, code: str, optional: bool) -> bool:
        """Optional rules run only when listed in ``rules.enabled``; any rule can be disabled."""
        if code in self.rules.disabled:
            return False
        return code in self.rules.enabled if optional else True

    def matches(self, form: Form) -> bool:
        """Does one of ``match`` occur in the form's department, units or title?"""
        hay = " ".join(
            s
            for s in (
                form.department,
                form.implementing_unit,
                form.compiling_unit,
                form.title,
                form.project_name,
            )
            if s
        )
        return any(m and m in hay for m in self.match)


def available_profiles() -> list[str]:
    """Names of the bundled profiles."""
    root = resources.files(PROFILE_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def _read_toml(name_or_path: str | Path) -> dict[str, Any]:
    path = Path(name_or_path)
    try:
        if path.suffix == ".toml" or path.exists():
            text = path.read_text(encoding="utf-8")
        else:
            res = resources.files(PROFILE_PACKAGE).joinpath(f"{name_or_path}.toml")
            if not res.is_file():
                known = ", ".join(available_profiles())
                raise ConfigError(f"unknown review profile {name_or_path!r} (bundled: {known})")
            text = res.read_text(encoding="utf-8")
        return tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read review profile {name_or_path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"review profile {name_or_path} is not valid TOML: {exc}") from exc


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _resolve(name_or_path: str | Path, seen: Sequence[str] = ()) -> dict[str, Any]:
    data = _read_toml(name_or_path)
    parent = data.get("extends")
    if parent:
        if parent in seen:
            raise ConfigError(f"review profile {name_or_path}: extends cycle via {parent!r}")
        data = _merge(_resolve(parent, (*seen, str(name_or_path))), data)
    return data


@cache
def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> Profile:
    """A bundled profile by name, or a TOML file by path (``extends`` resolved)."""
    data = _resolve(name_or_path)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"review profile {name_or_path}: {exc}") from exc


def select_profile(form: Form, candidates: Sequence[Profile], default: Profile) -> Profile:
    """The first candidate whose ``match`` fits the form (``--profile auto``), else ``default``."""
    for p in candidates:
        if p.matches(form):
            return p
    return default


def auto_profiles() -> list[Profile]:
    """Bundled profiles that declare ``match`` keywords, for per-form selection."""
    return [p for p in (load_profile(n) for n in available_profiles()) if p.match]
