"""Building many frozen model values fast, for the planner's hot loops.

The generated `__init__` of a frozen dataclass goes through `object.__setattr__` once per
field; handing a new instance its whole `__dict__` at once costs about half of that. The
planner builds one `Occurrence` and one `Outcome` per expected occurrence of every pair (tens
of them per series, hundreds of thousands per org), so construction is a real share of a run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["positional_constructor", "replaced"]


def positional_constructor(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    """A constructor taking every field of `cls` positionally, in `names` order.

    The fast path is taken only while `cls` is a plain dataclass (no `__post_init__`, no
    `__slots__`, no field left out of `__init__`) whose fields are exactly `names`; otherwise
    the values go to the real constructor by name, so a change to the model can only make it
    slower, never wrong. Unit tests compare the result with the real constructor.
    """
    if _plain_fields(cls) != names or not all(name.isidentifier() for name in names):

        def by_name(*values: Any) -> T:
            return cls(**dict(zip(names, values, strict=True)))

        return by_name
    args = ", ".join(names)
    items = ", ".join(f"{name!r}: {name}" for name in names)
    source = (
        f"def make({args}):\n"
        f"    value = new(cls)\n"
        f"    set_attr(value, '__dict__', {{{items}}})\n"
        f"    return value\n"
    )
    scope: dict[str, Any] = {"new": object.__new__, "set_attr": object.__setattr__, "cls": cls}
    exec(source, scope)  # as dataclasses builds __init__; the names are field names
    make: Callable[..., T] = scope["make"]
    return make


def replaced(value: T, **changes: Any) -> T:
    """`dataclasses.replace(value, **changes)` without a trip through `__init__`.

    Same plain-dataclass condition as `positional_constructor`; anything else (or a change to
    a name that is not a field) goes through `dataclasses.replace` itself.
    """
    cls = type(value)
    known = _PLAIN.get(cls)
    if known is None:
        _plain_fields(cls)
        known = _PLAIN[cls]
    names, name_set = known
    if names is None or not changes.keys() <= name_set:
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    current = value.__dict__
    if len(current) == len(names):
        fields = current.copy()
    else:  # something beside the fields is stored (a cached property): copy only the fields
        fields = {name: current[name] for name in names}
    fields.update(changes)
    new: T = object.__new__(cls)
    object.__setattr__(new, "__dict__", fields)
    return new


_PLAIN: dict[type, tuple[tuple[str, ...] | None, frozenset[str]]] = {}


def _plain_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of a plain dataclass, or None when `__init__` does more than set them."""
    if cls in _PLAIN:
        return _PLAIN[cls][0]
    names: tuple[str, ...] | None = None
    if dataclasses.is_dataclass(cls):
        fields = dataclasses.fields(cls)
        plain = (
            not hasattr(cls, "__post_init__")
            and not hasattr(cls, "__slots__")
            and all(f.init for f in fields)
        )
        names = tuple(f.name for f in fields) if plain else None
    _PLAIN[cls] = (names, frozenset(names or ()))
    return names
