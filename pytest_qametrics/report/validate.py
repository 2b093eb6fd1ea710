"""Check a report.json against the shipped schema.json before anything renders it."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

__all__ = ["report_schema", "schema_error"]

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


@functools.lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema of report.json that ships with the package."""
    text = resources.files("pytest_qametrics.report").joinpath("schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_error(instance: object, schema: Mapping[str, Any] | None = None) -> str | None:
    """The first way ``instance`` breaks the schema (``$.summary.verdict: 'x' is not one of
    ['pass', 'fail', ...]``), or None when it conforms.

    It understands the keywords schema.json uses (type, enum, const, required, properties,
    additionalProperties, propertyNames, items, prefixItems, minItems, maxItems, minimum,
    maximum, pattern, allOf, oneOf, if/then and local ``$ref``), so rendering needs no
    third-party validator.
    """
    root = report_schema() if schema is None else schema
    return next(_errors(instance, root, root, "$"), None)


def _is(instance: object, name: str) -> bool:
    if isinstance(instance, bool) and name in ("integer", "number"):
        return False
    if name == "integer" and isinstance(instance, float):
        return instance.is_integer()
    return isinstance(instance, _TYPES[name])


def _errors(
    value: object, schema: Mapping[str, Any] | bool, root: Mapping[str, Any], at: str
) -> Iterator[str]:
    if schema is True:
        return
    if schema is False:
        yield f"{at}: no value is allowed here"
        return
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        yield from _errors(value, target, root, at)
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(value, name) for name in names):
            yield f"{at}: {value!r:.120} is not of type {' or '.join(names)}"
            return
    if "enum" in schema and not any(_same(value, choice) for choice in schema["enum"]):
        yield f"{at}: {value!r:.120} is not one of {schema['enum']!r}"
    if "const" in schema and not _same(value, schema["const"]):
        yield f"{at}: {value!r:.120} is not {schema['const']!r}"
    yield from _combined(value, schema, root, at)
    if isinstance(value, dict):
        yield from _object(value, schema, root, at)
    elif isinstance(value, list):
        yield from _array(value, schema, root, at)
    elif isinstance(value, str) and "pattern" in schema:
        if re.search(schema["pattern"], value) is None:
            yield f"{at}: {value!r:.120} does not match {schema['pattern']!r}"
    elif _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            yield f"{at}: {value!r} is less than {schema['minimum']!r}"
        if "maximum" in schema and value > schema["maximum"]:
            yield f"{at}: {value!r} is more than {schema['maximum']!r}"


def _same(value: object, choice: object) -> bool:
    return value == choice and isinstance(value, bool) == isinstance(choice, bool)


def _combined(
    value: object, schema: Mapping[str, Any], root: Mapping[str, Any], at: str
) -> Iterator[str]:
    for part in schema.get("allOf", ()):
        yield from _errors(value, part, root, at)
    if "oneOf" in schema:
        matching = [p for p in schema["oneOf"] if next(_errors(value, p, root, at), None) is None]
        if len(matching) != 1:
            yield f"{at}: {value!r:.120} matches {len(matching)} of the allowed forms, not one"
    if "if" in schema and next(_errors(value, schema["if"], root, at), None) is None:
        yield from _errors(value, schema.get("then", {}), root, at)


def _object(
    value: dict[Any, Any], schema: Mapping[str, Any], root: Mapping[str, Any], at: str
) -> Iterator[str]:
    for name in schema.get("required", ()):
        if name not in value:
            yield f"{at}: the field {name!r} is missing"
    known = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        where = f"{at}.{name}"
        if "propertyNames" in schema:
            yield from _errors(name, schema["propertyNames"], root, f"{at} key {name!r}")
        if name in known:
            yield from _errors(item, known[name], root, where)
        elif extra is False:
            yield f"{at}: unexpected field {name!r}"
        elif isinstance(extra, Mapping):
            yield from _errors(item, extra, root, where)


def _array(
    value: list[Any], schema: Mapping[str, Any], root: Mapping[str, Any], at: str
) -> Iterator[str]:
    if len(value) < schema.get("minItems", 0):
        yield f"{at}: {len(value)} items, at least {schema['minItems']} needed"
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        yield f"{at}: {len(value)} items, at most {schema['maxItems']} allowed"
    prefix = schema.get("prefixItems", [])
    for index, item in enumerate(value):
        if index < len(prefix):
            yield from _errors(item, prefix[index], root, f"{at}[{index}]")
        elif "items" in schema:
            yield from _errors(item, schema["items"], root, f"{at}[{index}]")
