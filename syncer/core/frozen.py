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

__all__ = ["positional_constructor"]


def positional_constructor(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    """A constructor taking every field of `cls` positionally, in `names` order.

    The fast path is taken only while `cls` is a plain dataclass (no `__post_init__`, no
    `__slots__`, no field left out of `__init__`) whose fields are exactly `names`; otherwise
    the class itself is returned, so a change to the model can only make it slower, never
    wrong. Unit tests compare the result with the real constructor.
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    plain = (
        not hasattr(cls, "__post_init__")
        and "__slots__" not in vars(cls)
        and all(f.init for f in fields)
    )
    if not plain or tuple(f.name for f in fields) != names:
        return cls
    if not all(name.isidentifier() for name in names):  # pragma: no cover - dataclass fields
        return cls
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
