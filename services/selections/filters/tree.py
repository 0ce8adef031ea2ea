"""The shape of a filter tree: its limits, and the problems found in it by path."""

from __future__ import annotations

from typing import Any

from shared.errors import ValidationFailed

ROOT = "filter"
MAX_DEPTH = 20
MAX_NODES = 500
# List values (`in`, `between`) across a whole filter; keeps a query's bind parameters well
# under what SQLite and PostgreSQL accept.
MAX_VALUES = 5000
SHOWN = 30


class Problems:
    """Every error found in a filter, by the path of the bad node."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        listed = [f"{path}: {messages[0]}" for path, messages in self.errors.items()]
        more = f" (and {len(listed) - 3} more)" if len(listed) > 3 else ""
        raise ValidationFailed("the filter is not valid: " + "; ".join(listed[:3]) + more,
                               errors=self.errors)


def known(names: list[str]) -> str:
    """A list of names for an error message, cut short when long."""
    shown = ", ".join(names[:SHOWN]) or "none"
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def measure(root: Any, problems: Problems) -> bool:
    """Refuse a tree deeper than MAX_DEPTH, with more than MAX_NODES nodes or MAX_VALUES list
    values, before anything walks it recursively."""
    nodes = values = 0
    pending = [(root, ROOT, 1)]
    while pending:
        node, path, depth = pending.pop()
        nodes += 1
        if depth > MAX_DEPTH:
            problems.add(path, f"nested deeper than {MAX_DEPTH} levels")
            return False
        if not isinstance(node, dict):
            continue
        width = sum(len(node[key]) for key in ("and", "or") if isinstance(node.get(key), list))
        values += len(node["value"]) if isinstance(node.get("value"), list) else 0
        if nodes + len(pending) + width + ("not" in node) > MAX_NODES:
            problems.add(ROOT, f"a filter has at most {MAX_NODES} nodes")
            return False
        if values > MAX_VALUES:
            problems.add(ROOT, f"a filter has at most {MAX_VALUES} values in all its lists")
            return False
        pending.extend(_children(node, path, depth))
    return True


def _children(node: dict[str, Any], path: str, depth: int) -> list[tuple[Any, str, int]]:
    children = []
    for key in ("and", "or"):
        if isinstance(node.get(key), list):
            children += [(child, f"{path}.{key}[{index}]", depth + 1)
                         for index, child in enumerate(node[key])]
    if "not" in node:
        children.append((node["not"], f"{path}.not", depth + 1))
    return children
