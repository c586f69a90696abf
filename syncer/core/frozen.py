"""Building many frozen model values fast, for the planner's hot loops.

The generated `__init__` of a frozen dataclass goes through `object.__setattr__` once per
field. The planner builds one `Outcome` per expected occurrence of every pair (tens of them per
series, hundreds of thousands per org), so construction is a real share of a run. Handing a
new instance its whole `__dict__` at once gives the same value for about half the cost, at the
price of a dict per instance: right for the many short-lived values of one planning pass,
wrong for values a run keeps (`compact=True`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_GENERATED = frozenset({"make", "_made", "_new", "_set_attr", "_cls"})  # names `make` uses

__all__ = ["positional_constructor"]


def positional_constructor(
    cls: type[T], names: tuple[str, ...], *, compact: bool = False
) -> Callable[..., T]:
    """A constructor taking every field of `cls` positionally, in `names` order.

    The fast path is taken only while `cls` is a plain dataclass (no `__post_init__`, no
    `__slots__`, no field left out of `__init__`) whose fields are exactly `names`; otherwise
    the values go to the real constructor by name, so a change to the model can only make it
    slower, never wrong. Unit tests compare the result with the real constructor.

    `compact=True` is for values that live long (a run's detected series): they are built by
    the class itself, whose instances keep Python's compact attribute storage instead of a
    dict of their own (less memory, fewer objects for the garbage collector to walk), still
    positionally while the fields are exactly `names`.
    """

    def by_name(*values: Any) -> T:
        return cls(**dict(zip(names, values, strict=True)))

    if compact:
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        return cls if tuple(f.name for f in fields if f.init) == names else by_name
    if _plain_fields(cls) != names or not all(
        name.isidentifier() and name not in _GENERATED for name in names
    ):
        return by_name
    args = ", ".join(names)
    items = ", ".join(f"{name!r}: {name}" for name in names)
    source = (
        f"def make({args}):\n"
        f"    _made = _new(_cls)\n"
        f"    _set_attr(_made, '__dict__', {{{items}}})\n"
        f"    return _made\n"
    )
    scope: dict[str, Any] = {"_new": object.__new__, "_set_attr": object.__setattr__, "_cls": cls}
    exec(source, scope)  # as dataclasses builds __init__; the names are field names
    make: Callable[..., T] = scope["make"]
    return make


_PLAIN: dict[type, tuple[str, ...] | None] = {}


def _plain_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of a plain dataclass, or None when `__init__` does more than set them."""
    if cls in _PLAIN:
        return _PLAIN[cls]
    names: tuple[str, ...] | None = None
    if dataclasses.is_dataclass(cls):
        fields = dataclasses.fields(cls)
        plain = (
            not hasattr(cls, "__post_init__")
            and not hasattr(cls, "__slots__")
            and all(f.init for f in fields)
        )
        names = tuple(f.name for f in fields) if plain else None
    _PLAIN[cls] = names
    return names
