"""Options from outside the code: `key=value` strings (the command line's `--set`), TOML
config files (`--config`), and the shipped presets behind `--favor-precision` and
`--favor-recall` (pipeline/data/presets.toml, in the config file's format).

Every value is typed from the `Options` dataclass's own annotations, so a new field is
settable at once, and a wrong key or value fails with the key, the value and the type
wanted, never later inside a run."""
from __future__ import annotations

import tomllib
import types
import typing
from dataclasses import fields
from functools import cache
from importlib import resources
from pathlib import Path

from pipeline.options import Options

PRESETS = ("favor_precision", "favor_recall")


class OptionError(ValueError):
    """An option that cannot be set: unknown key, wrong type, unreadable config file."""


@cache
def option_types() -> dict[str, object]:
    """Each Options field's type, evaluated (the module uses postponed annotations)."""
    hints = typing.get_type_hints(Options)
    return {f.name: hints[f.name] for f in fields(Options)}


def _describe(kind) -> str:
    if kind is type(None):
        return "none"
    if isinstance(kind, type):
        return kind.__name__
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple:
        return f"list of {_describe(args[0])}"
    return " or ".join(_describe(a) for a in args)


def _check_key(key: str) -> object:
    kinds = option_types()
    if key not in kinds:
        raise OptionError(f"unknown option {key!r}; options are: {', '.join(sorted(kinds))}")
    return kinds[key]


_TRUE, _FALSE, _NONE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}, {"none", "null", ""}


def _from_text(kind, text: str):
    """A command-line string read as `kind`; raises ValueError."""
    if kind is bool:
        word = text.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise ValueError
    if kind in (int, float):
        return kind(text.replace("_", ""))
    if kind is str:
        return text
    if kind is type(None):
        if text.strip().lower() in _NONE:
            return None
        raise ValueError
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_from_text(item, part.strip()) for part in text.split(",") if part.strip())
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        # `float | None`: None first, so "none" is not read as a float's NaN-like word.
        for option in sorted(typing.get_args(kind), key=lambda a: a is not type(None)):
            try:
                return _from_text(option, text)
            except ValueError:
                continue
        raise ValueError
    raise ValueError


def _from_toml(kind, value):
    """A TOML value checked against `kind` (an integer is a fine float); raises ValueError."""
    if kind is float and type(value) is int:
        return float(value)
    if kind in (bool, int, float, str):
        if type(value) is not kind:
            raise ValueError
        return value
    if kind is type(None):
        raise ValueError  # TOML has no null: leave the key out for the default
    if typing.get_origin(kind) is tuple:
        if not isinstance(value, list):
            raise ValueError
        item = typing.get_args(kind)[0]
        return tuple(_from_toml(item, v) for v in value)
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        for option in typing.get_args(kind):
            try:
                return _from_toml(option, value)
            except ValueError:
                continue
    raise ValueError


def parse_assignment(text: str) -> tuple[str, object]:
    """`key=value` (a `--set`), typed from the Options field `key`."""
    key, sep, raw = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key:
        raise OptionError(f"--set {text!r}: expected KEY=VALUE, e.g. line_model_threshold=0.7")
    kind = _check_key(key)
    try:
        return key, _from_text(kind, raw.strip())
    except ValueError:
        raise OptionError(f"--set {text!r}: {key} takes {_describe(kind)}, not {raw.strip()!r}") from None


def check_table(table: dict, origin: str, base: Path | None = None) -> dict:
    """A TOML table's options, typed; `origin` names the file in errors. Relative rule
    files are read from `base` (the config file's folder), as a user writes them."""
    checked = {}
    for key, value in table.items():
        if isinstance(value, dict):
            raise OptionError(f"{origin}: [{key}] is a table; a config file holds options only, "
                              f"e.g. line_model_threshold = 0.7")
        kind = _check_key(key) if key in option_types() else None
        if kind is None:
            raise OptionError(f"{origin}: unknown option {key!r}; options are: {', '.join(sorted(option_types()))}")
        try:
            checked[key] = _from_toml(kind, value)
        except ValueError:
            raise OptionError(f"{origin}: {key} takes {_describe(kind)}, not {value!r}") from None
    if base is not None and "rules" in checked:
        checked["rules"] = tuple(str(base / r) if not Path(r).is_absolute() else r for r in checked["rules"])
    return checked


def load_config(path: str | Path) -> dict:
    """The options a TOML config file sets (top-level `key = value` lines)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise OptionError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OptionError(f"{path}: not valid TOML: {exc}") from None
    return check_table(data, str(path), path.parent)


@cache
def _presets() -> dict[str, dict]:
    data = tomllib.loads(resources.files("pipeline").joinpath("data/presets.toml").read_text("utf-8"))
    return {name: check_table(table, f"presets.toml [{name}]") for name, table in data.items()}


def preset(name: str) -> dict:
    """The options of a shipped preset (`favor_precision`, `favor_recall`)."""
    try:
        return dict(_presets()[name])
    except KeyError:
        raise OptionError(f"unknown preset {name!r}; presets are: {', '.join(sorted(_presets()))}") from None


def build_options(config: str | Path | None = None, favor: str | None = None, flags: dict | None = None,
                  sets: list[str] | tuple[str, ...] = ()) -> Options:
    """Options from, in order, each overriding the one before: the defaults, a config
    file, a preset (`favor`: "precision" or "recall"), a command's own flags (`flags`,
    already typed; `rules` there add to the config file's), and `key=value` strings."""
    values: dict = {}
    if config is not None:
        values.update(load_config(config))
    if favor is not None:
        values.update(preset(f"favor_{favor}"))
    for key, value in (flags or {}).items():
        _check_key(key)
        if key == "rules":
            value = tuple(values.get("rules", ())) + tuple(str(r) for r in value)
        values[key] = value
    for text in sets:
        key, value = parse_assignment(text)
        values[key] = value
    try:
        return Options.from_dict(values)
    except (TypeError, ValueError) as exc:
        raise OptionError(str(exc)) from None
