"""Dotted-path overrides (``touchpoints.call_centre.capacity=8``) of a raw scenario document.

Overrides are applied to the document *before* validation, so an override is checked exactly
like the file itself (units included: a duration must again say ``"8 min"``).
"""

from __future__ import annotations

import copy
import functools
import json
import tomllib
from collections.abc import Callable, Mapping
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from journeysim.errors import ScenarioError

__all__ = ["PointOverrides", "apply_overrides", "override_items", "parse_override"]


def parse_override(item: str) -> tuple[str, Any]:
    """Split ``"a.b.c=value"`` and read the value as TOML (``8``, ``0.5``, ``true``, ``"8 min"``).

    A value that is not valid TOML is taken as a plain string, so ``--set x.patience=8 min``
    works without shell quoting gymnastics.
    """
    if "=" not in item:
        raise ScenarioError(f"override {item!r} must look like dotted.key=value", source="--set")
    key, value = item.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ScenarioError(f"override {item!r} has an empty key", source="--set")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except RecursionError:
        raise ScenarioError(f"override {key!r}: value nested too deeply", source="--set") from None
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key, parsed


def apply_overrides(
    raw: dict[str, Any], overrides: dict[str, Any] | list[str], source: str = "--set"
) -> dict[str, Any]:
    """Return a deep copy of ``raw`` with dotted-path overrides applied.

    Intermediate keys must already exist (so a typo in a touchpoint name is caught here, with the
    known names listed); the last key may be new, and pydantic then decides whether it is allowed.
    """
    result = copy.deepcopy(raw)
    items = override_items(overrides)
    for key, value in items:
        parts = key.split(".")
        node: Any = result
        for depth, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                known = ", ".join(sorted(node)) if isinstance(node, dict) else "none"
                where = ".".join(parts[:depth]) or "top level"
                raise ScenarioError(
                    f"override path {key!r}: no {part!r} under {where} (known: {known})",
                    source=source,
                    field=key,
                )
            node = node[part]
        if not isinstance(node, dict):
            raise ScenarioError(
                f"override path {key!r}: {'.'.join(parts[:-1])} is not a table", source=source
            )
        node[parts[-1]] = value
    return result


def override_items(overrides: dict[str, Any] | list[str]) -> list[tuple[str, Any]]:
    """Overrides as ``(dotted key, value)`` pairs, from a mapping or ``"key=value"`` strings."""
    if isinstance(overrides, str):
        raise TypeError(
            'overrides must be a mapping {"dotted.key": value} or a list of "key=value" '
            f"strings, not the string {overrides!r}"
        )
    if isinstance(overrides, list | tuple):
        return [parse_override(item) for item in overrides]
    if isinstance(overrides, dict):
        return list(overrides.items())
    raise TypeError(
        'overrides must be a mapping {"dotted.key": value} or a list of "key=value" strings, '
        f"not {type(overrides).__name__}"
    )


# --------------------------------------------------------------------------------------------
# Many points over one validated scenario: re-validate only what an override touches


class PointOverrides:
    """Dotted-path overrides of one validated model, re-validating only what they touch.

    A sweep validates its scenario once, then applies each design point's overrides to it.
    Validating the whole document again at every point costs milliseconds (a deep copy, every
    field, the journey graph); a point changes a few numbers. Here each override is validated
    by the **smallest model that holds it** (``touchpoints.call_centre.quality``: the
    ``call_centre`` touchpoint, with its own cross-field rules), the validated tree is rebuilt
    along the path only (every other part is shared with the base), and the after-validators
    of the models above it run again on the rebuilt objects — except the root's, when the root
    class says which keys its rules read (``override_rule_keys``, patterns with ``*`` for a
    table key) and no override touches one of them (the journey graph is checked again only
    when an override can change it).

    Anything this cannot do exactly — a key new to the validated tree, a field behind a
    union, a before- or field-validator on the way, any error at all — goes through ``full``
    (the whole document validated again), so a bad value gives exactly the one-line message it
    always did, and the result is the one full validation gives (checked field by field on
    the shipped scenarios by ``tests/test_overrides_fast.py``).

    Parameters
    ----------
    base:
        The validated model (a :class:`~journeysim.scenario.schema.Scenario`).
    document:
        The raw document ``base`` was validated from (durations with their units); never
        changed (new documents share its untouched parts).
    full:
        ``full(overrides) -> model``: the slow path (the whole document validated again,
        raising the usual one-line error).
    """

    def __init__(
        self,
        base: BaseModel,
        document: dict[str, Any],
        full: Callable[[dict[str, Any]], BaseModel],
    ) -> None:
        self.base = base
        self.document = document
        self.full = full
        self._boundaries: dict[str, tuple[str, ...] | None] = {}
        self._dump: Any = None
        self._encoded: dict[tuple[str, ...], str] = {}

    def __getstate__(self) -> dict[str, Any]:
        # caches are rebuilt where the object lands (a worker): only the inputs travel
        return {"base": self.base, "document": self.document, "full": self.full}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["base"], state["document"], state["full"])  # type: ignore[misc]

    # -- the public step -------------------------------------------------------------------

    def apply(self, overrides: Mapping[str, Any]) -> tuple[Any, str]:
        """Return ``(model, material)`` for ``overrides``.

        ``material`` is ``json.dumps(model.model_dump(mode="json"), sort_keys=True,
        default=str)``, composed from cached encodings of the untouched parts.

        Raises
        ------
        ScenarioError
            Whatever ``full`` raises for these overrides (the usual one-line message).
        """
        if not overrides:
            return self.base, self._encode({})
        boundaries = [self._boundary(key) for key in overrides]
        if any(b is None for b in boundaries):
            return self._slow(overrides)
        chosen = _outermost([b for b in boundaries if b is not None])
        try:
            document = _patched_document(self.document, overrides)
            replaced: dict[tuple[str, ...], BaseModel] = {}
            for prefix in chosen:
                node: Any = self.base
                sub: Any = document
                for part in prefix:
                    node = node[part] if isinstance(node, dict) else getattr(node, part)
                    sub = sub[part]
                replaced[prefix] = type(node).model_validate(sub)
            touched = [tuple(key.split(".")) for key in overrides]
            model = _rebuild(self.base, (), replaced, touched)
        except Exception:  # noqa: BLE001 - the full path says what is wrong, in one line
            return self._slow(overrides)
        _keep_private(model, self.base, document)
        patches = {prefix: sub.model_dump(mode="json") for prefix, sub in replaced.items()}
        return model, self._encode(patches)

    # -- planning ----------------------------------------------------------------------------

    def _boundary(self, key: str) -> tuple[str, ...] | None:
        if key not in self._boundaries:
            self._boundaries[key] = _boundary(self.base, self.document, key.split("."))
        return self._boundaries[key]

    def _slow(self, overrides: Mapping[str, Any]) -> tuple[Any, str]:
        model = self.full(dict(overrides))
        return model, json.dumps(model.model_dump(mode="json"), sort_keys=True, default=str)

    # -- key material ------------------------------------------------------------------------

    def _encode(self, patches: dict[tuple[str, ...], Any]) -> str:
        if self._dump is None:
            self._dump = self.base.model_dump(mode="json")
        return self._encode_node(self._dump, (), patches)

    def _encode_node(self, node: Any, path: tuple[str, ...], patches: dict) -> str:
        if path in patches:
            return json.dumps(patches[path], sort_keys=True, default=str)
        depth = len(path)
        below = {p[depth] for p in patches if len(p) > depth and p[:depth] == path}
        if not below or not isinstance(node, dict):
            return self._cached(node, path)
        items = [
            f"{json.dumps(k)}: "
            + (
                self._encode_node(v, (*path, k), patches)
                if k in below
                else self._cached(v, (*path, k))
            )
            for k, v in sorted(node.items())
        ]
        return "{" + ", ".join(items) + "}"

    def _cached(self, node: Any, path: tuple[str, ...]) -> str:
        cached = self._encoded.get(path)
        if cached is None:
            cached = json.dumps(node, sort_keys=True, default=str)
            self._encoded[path] = cached
        return cached


def _boundary(base: BaseModel, document: Any, parts: list[str]) -> tuple[str, ...] | None:
    """The path of the smallest model below the root that holds ``parts``; None: full path."""
    node: Any = base
    doc: Any = document
    holder: tuple[str, ...] | None = None  # the deepest model reached so far (not the root)
    for depth, part in enumerate(parts[:-1]):
        if not isinstance(doc, dict) or part not in doc:
            return holder  # a missing table: the holder's validation (or the full path) says so
        if isinstance(node, BaseModel):
            child = _plain_child(node, part)
            if child is None:
                return holder
        elif isinstance(node, dict) and part in node:
            child = node[part]
        else:
            return holder
        node, doc = child, doc[part]
        if isinstance(node, BaseModel):
            holder = tuple(parts[: depth + 1])
    return holder


def _plain_child(model: BaseModel, name: str) -> Any:
    """``model.name`` if validating it alone is exactly what validating ``model`` does to it.

    That is: a declared field, typed as a model or a table of models (or optional), with no
    field validator on it and no before/wrap validator on ``model``; else None.
    """
    cls = type(model)
    field = cls.model_fields.get(name)
    if field is None:
        return None
    decorators = cls.__pydantic_decorators__
    if any(d.info.mode != "after" for d in decorators.model_validators.values()):
        return None
    for d in decorators.field_validators.values():
        if name in d.info.fields or "*" in d.info.fields:
            return None
    child = getattr(model, name)
    annotation = field.annotation
    args = get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return child if type(child) is annotation else None
    if get_origin(annotation) is dict and len(args) == 2:
        value = args[1]
        if isinstance(value, type) and issubclass(value, BaseModel) and isinstance(child, dict):
            return child if all(type(v) is value for v in child.values()) else None
        return None
    if len(args) == 2 and type(None) in args:  # Model | None
        (inner,) = [a for a in args if a is not type(None)]
        if isinstance(inner, type) and issubclass(inner, BaseModel) and type(child) is inner:
            return child
    return None


def _outermost(prefixes: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The prefixes none of the others contains (a table re-validated covers its sub-tables)."""
    chosen: list[tuple[str, ...]] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(prefix[: len(c)] == c for c in chosen):
            chosen.append(prefix)
    return chosen


def _patched_document(document: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A new document with the overrides: tables on their paths copied, the rest shared."""
    result = dict(document)
    for key, value in overrides.items():
        parts = key.split(".")
        node = result
        for part in parts[:-1]:
            child = node[part]
            if not isinstance(child, dict):
                raise TypeError(f"{part} is not a table")
            child = dict(child)
            node[part] = child
            node = child
        node[parts[-1]] = copy.deepcopy(value)
    return result


def _rebuild(
    node: Any,
    path: tuple[str, ...],
    replaced: dict[tuple[str, ...], BaseModel],
    touched: list[tuple[str, ...]],
) -> Any:
    """``node`` with the models in ``replaced`` swapped in; validators above them run again."""
    if path in replaced:
        return replaced[path]
    depth = len(path)
    below: dict[str, None] = {}
    for prefix in replaced:
        if len(prefix) > depth and prefix[:depth] == path:
            below[prefix[depth]] = None
    if isinstance(node, dict):
        return {
            k: (_rebuild(v, (*path, k), replaced, touched) if k in below else v)
            for k, v in node.items()
        }
    update = {
        name: _rebuild(getattr(node, name), (*path, name), replaced, touched) for name in below
    }
    model = node.model_copy(update=update)
    relative = [key[depth:] for key in touched if key[:depth] == path]
    if _rules_may_read(type(model), relative):
        for decorator in type(model).__pydantic_decorators__.model_validators.values():
            if decorator.info.mode == "after":
                result = decorator.func(model)
                if isinstance(result, type(model)):
                    model = result
    return model


def _rules_may_read(cls: type, keys: list[tuple[str, ...]]) -> bool:
    """Whether ``cls``'s cross-field rules may read one of ``keys`` (relative to ``cls``).

    A class that does not list what its rules read (``override_rule_keys``) is always checked.
    """
    patterns = getattr(cls, "override_rule_keys", None)
    if patterns is None:
        return True
    return _reads(tuple(patterns), tuple(keys))


@functools.lru_cache(maxsize=1024)
def _reads(patterns: tuple[str, ...], keys: tuple[tuple[str, ...], ...]) -> bool:
    for pattern in patterns:
        want = pattern.split(".")
        for key in keys:
            n = min(len(want), len(key))
            if all(w in ("*", k) for w, k in zip(want[:n], key[:n], strict=True)):
                return True
    return False


def _keep_private(model: BaseModel, base: BaseModel, document: dict[str, Any]) -> None:
    """The rebuilt root remembers its new document and the base's source, like a full one."""
    if hasattr(base, "_document"):
        model._document = document  # type: ignore[attr-defined]
        model._source = getattr(base, "_source", "")  # type: ignore[attr-defined]
