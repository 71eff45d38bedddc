"""Bounded YAML parsing for spec files: ``yaml.safe_load`` plus limits a hostile file hits.

``yaml.safe_load`` builds data only (no Python objects), but it accepts three things a
spec file never needs and a hostile one abuses:

- aliases that expand exponentially ("billion laughs": 9 levels of 9 aliases each is
  387 million nodes once expanded; walking or printing it never ends);
- nesting deep enough to overflow Python's recursion limit (PyYAML composes
  recursively);
- duplicate keys, where the last one silently wins (a device with ``lut`` twice).

:class:`SpecYamlLoader` is a ``SafeLoader`` (same tags, same data types) that refuses
all three, and integers too long to convert, with a ``MarkedYAMLError`` naming the line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from codesign.specs.names import shown

MAX_SPEC_BYTES = 256 * 1024  # the largest shipped spec is ~4 KiB
MAX_NESTING = 32  # mapping/sequence levels, aliases expanded (device specs use 3)
MAX_EXPANDED_NODES = 100_000  # scalars + collections once every alias is expanded
MERGE_TAG = "tag:yaml.org,2002:merge"


class SpecYamlLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with bounded nesting and alias expansion, and no duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise ComposerError(None, None, f"nested deeper than {MAX_NESTING} levels",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Node:
        node = super().compose_document()
        _expanded_size(node, {}, 1)
        return node

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # Python refuses int() of more than 4,300 digits
            raise ConstructorError(None, None, f"integer {shown(node.value)} is too long",
                                   node.start_mark) from None


SpecYamlLoader.add_constructor("tag:yaml.org,2002:int", SpecYamlLoader.construct_yaml_int)


def _refuse_duplicate_keys(loader: SpecYamlLoader, node: MappingNode) -> None:
    """Raise on a key given twice in one mapping. Keys pulled in by a ``<<:`` merge may
    be overridden: that is what a merge is for."""
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == MERGE_TAG:
            continue
        key = loader.construct_object(key_node)
        try:
            seen = first_line.get(key)
        except TypeError:  # unhashable: SafeConstructor reports it
            continue
        if seen is not None:
            raise ConstructorError(None, None, f"duplicate key {shown(key)} (first given on line {seen})",
                                   key_node.start_mark)
        first_line[key] = key_node.start_mark.line + 1


def _expanded_size(node: Node, seen: dict[int, tuple[int, int]], depth: int) -> tuple[int, int]:
    """(nodes, levels) under ``node`` with every alias expanded. ``seen`` memoises shared
    nodes, so this visits each distinct node once. Raises past the nesting or size limit;
    a recursive alias (``&a [*a]``) is infinitely deep and hits the nesting limit."""
    known = seen.get(id(node))
    if known is None:
        if depth > MAX_NESTING:
            known = (1, MAX_NESTING + 1)  # raised below
        else:
            known = _measure(node, seen, depth)
            seen[id(node)] = known
    if depth - 1 + known[1] > MAX_NESTING:
        raise ComposerError(None, None, f"nested deeper than {MAX_NESTING} levels once aliases "
                            "are expanded", node.start_mark)
    return known


def _measure(node: Node, seen: dict[int, tuple[int, int]], depth: int) -> tuple[int, int]:
    if isinstance(node, SequenceNode):
        children = node.value
    elif isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        return 1, 1
    total, levels = 1, 1
    for child in children:
        size, height = _expanded_size(child, seen, depth + 1)
        total, levels = total + size, max(levels, height + 1)
        if total > MAX_EXPANDED_NODES:
            raise ComposerError(None, None, f"more than {MAX_EXPANDED_NODES:,} values once aliases are "
                                "expanded; a spec has a few hundred", node.start_mark)
    return total, levels


def parse_spec_yaml(text: str) -> Any:
    """The document in ``text``, as ``yaml.safe_load`` would return it, within the limits."""
    loader = SpecYamlLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
