"""Partial responses: the ``fields`` parameter every Google API accepts
("Performance tips", partial response): ``a,b/c,items(id,etag)``."""

from __future__ import annotations

from typing import Any

Selection = dict[str, "Selection | None"]


def parse(spec: str) -> Selection:
    selection: Selection = {}
    stack = [selection]
    name = ""
    for char in spec + ",":
        if char in ",()":
            if name.strip():
                node: Selection = stack[-1]
                for part in name.strip().split("/")[:-1]:
                    child = node.get(part) or {}
                    node[part] = child
                    node = child
                last = name.strip().split("/")[-1]
                node.setdefault(last, None)
                if char == "(":
                    node[last] = node[last] or {}
                    stack.append(node[last])  # type: ignore[arg-type]
            elif char == "(":
                raise ValueError("bad fields")
            if char == ")":
                stack.pop()
            name = ""
        else:
            name += char
    return selection


def apply(value: Any, selection: Selection | None) -> Any:
    if selection is None:
        return value
    if isinstance(value, list):
        return [apply(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    if "*" in selection:
        return value
    return {key: apply(value[key], sub) for key, sub in selection.items() if key in value}
