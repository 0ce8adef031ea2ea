"""The filter tree checked and compiled to one SQL condition over relation_view."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from services.selections.filters.catalog import FilterCatalog
from services.selections.filters.conditions import field_condition, negated
from services.selections.filters.fields import (
    ALL_OPERATORS,
    FieldSpec,
    IndexedValueError,
    check_value,
)
from services.selections.filters.nodes import NODES, age_condition
from services.selections.filters.tree import ROOT, Problems, known, measure
from services.selections.models import RelationView
from shared.errors import ValidationFailed

CONDITION_KEYS = ("field", "op", "value")
AGE = FieldSpec("age", "age")
NODE_KINDS = ("and", "or", "not", "field", "age", *NODES)
EXPECTED = ('a node: {"and": [...]}, {"or": [...]}, {"not": node}, '
            '{"field": ..., "op": ..., "value": ...} or one of ' + ", ".join(NODE_KINDS[4:]))


def compile_filter(node: Any, catalog: FilterCatalog,
                   parts: dict[str, ColumnElement[bool]] | None = None) -> ColumnElement[bool]:
    """One SQL condition for a filter tree, or a 422 naming every bad node by its path. A tree
    that says nothing of `archived` (or the `status` field) sees active relations only.
    `parts`, when given, receives each node's own condition by its path (to explain a match)."""
    problems = Problems()
    condition = None
    compiler = _Compiler(catalog, problems, parts)
    if measure(node, problems):
        condition = compiler.node(node, ROOT)
    problems.raise_if_any()
    if compiler.sees_status:
        return condition
    return and_(condition, RelationView.status == "active")



def reference_members(kind: str, value: Any, catalog: FilterCatalog,
                      path: str) -> Select | None:
    """The relation ids a reference holds now, as one SELECT: a filter node (`kind` "filter")
    or the id of a list, group or selection; None for an unknown id. A 422 names the bad part
    under `path` (`target.filter.and[0]`, `source.list`)."""
    if kind == "filter":
        try:
            return select(RelationView.id).where(compile_filter(value, catalog))
        except ValidationFailed as refused:
            raise ValidationFailed(refused.detail, errors={
                f"{path}.{part}": messages for part, messages in refused.errors.items()}
            ) from None
    if not isinstance(value, str) or not value:
        message = f"expected the id of a {kind}"
        raise ValidationFailed(f"the {path} is not valid: {path}.{kind}: {message}",
                               errors={f"{path}.{kind}": [message]})
    return catalog.members_of(kind, value)

class _Compiler:
    def __init__(self, catalog: FilterCatalog, problems: Problems,
                 parts: dict[str, ColumnElement[bool]] | None = None):
        self.catalog = catalog
        self.problems = problems
        self.sees_status = False
        self.parts = parts

    def node(self, node: Any, path: str) -> ColumnElement[bool] | None:
        condition = self._node(node, path)
        if self.parts is not None and condition is not None:
            self.parts[path] = condition
        return condition

    def _node(self, node: Any, path: str) -> ColumnElement[bool] | None:
        if not isinstance(node, dict) or not node:
            self.problems.add(path, f"expected {EXPECTED}")
            return None
        if "field" in node:
            return self.condition(node, path)
        if len(node) != 1:
            self.problems.add(path, f"a node has one key, not {len(node)} "
                                    f"({', '.join(sorted(node))}); expected {EXPECTED}")
            return None
        ((kind, value),) = node.items()
        if kind in ("and", "or"):
            return self.junction(kind, value, f"{path}.{kind}")
        if kind == "not":
            inner = self.node(value, f"{path}.not")
            return None if inner is None else negated(inner)
        if kind == "age":
            return self.age(value, f"{path}.age")
        if kind not in NODES:
            self.problems.add(path, f"unknown node {kind!r}; expected {EXPECTED}")
            return None
        self.sees_status |= kind == "archived"
        return NODES[kind](value, f"{path}.{kind}", self.catalog, self.problems)

    def junction(self, kind: str, children: Any, path: str) -> ColumnElement[bool] | None:
        if not isinstance(children, list) or not children:
            self.problems.add(path, f"{kind} takes a non-empty list of nodes")
            return None
        compiled = [self.node(child, f"{path}[{index}]") for index, child in enumerate(children)]
        if any(part is None for part in compiled):
            return None
        return (and_ if kind == "and" else or_)(*compiled)

    def condition(self, node: dict[str, Any], path: str) -> ColumnElement[bool] | None:
        unknown = sorted(set(node) - set(CONDITION_KEYS))
        if unknown:
            self.problems.add(path, f"unknown keys {', '.join(unknown)}; a condition takes "
                                    "field, op and value")
            return None
        name = node["field"]
        spec = self.catalog.field(name) if isinstance(name, str) else None
        if spec is None:
            self.problems.add(f"{path}.field", f"unknown field {name!r}; known: "
                                               f"{known(self.catalog.field_names())}")
            return None
        self.sees_status |= spec.name == "status" and spec.column is not None
        checked = self.checked(spec, node, path)
        return None if checked is None else field_condition(spec, node.get("op"), checked[0])

    def age(self, value: Any, path: str) -> ColumnElement[bool] | None:
        if not isinstance(value, dict) or set(value) - {"op", "value"} or "op" not in value:
            self.problems.add(path, 'expected {"op": ..., "value": ...}, e.g. '
                                    '{"op": "gte", "value": 65}')
            return None
        checked = self.checked(AGE, value, path)
        return None if checked is None else age_condition(value["op"], checked[0],
                                                          self.catalog.today)

    def checked(self, spec: FieldSpec, node: dict[str, Any], path: str) -> tuple[Any] | None:
        """(the value as SQL wants it,) if the operator fits the field and the value the
        operator; else None, with the problem at `path`.op or `path`.value."""
        op = node.get("op")
        if op not in ALL_OPERATORS:
            wrong = f"unknown operator {op!r}" if "op" in node else "an operator is missing"
            self.problems.add(f"{path}.op", f"{wrong}; known: " + ", ".join(ALL_OPERATORS))
            return None
        if op not in spec.operators:
            self.problems.add(f"{path}.op", f"{op} does not apply to {spec.name} (a "
                                            f"{spec.kind} field); it takes "
                                            + ", ".join(spec.operators))
            return None
        try:
            return (check_value(spec, op, node),)
        except IndexedValueError as exc:
            self.problems.add(f"{path}.value[{exc.index}]", str(exc))
        except ValueError as exc:
            self.problems.add(f"{path}.value", str(exc))
        return None
