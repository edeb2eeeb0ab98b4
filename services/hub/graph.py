"""A workflow definition laid out for an SVG drawing: nodes in columns by depth, ports, and connections.

Pure layout (no markup): the template draws what this returns. The definition may be invalid (the page shows
its problems beside it), so nothing here assumes the engine's rules hold: unknown ids are dropped and cycles
are drawn as back edges.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from services.engine.definition import PORTS

NODE_W, NODE_H = 180, 64
COL_GAP, ROW_GAP, MARGIN = 90, 36, 24
MAX_NODES = 500


@dataclass
class PortPos:
    name: str
    x: float
    y: float


@dataclass
class NodeBox:
    node_id: str
    label: str
    type: str
    x: float
    y: float
    w: float = NODE_W
    h: float = NODE_H
    inputs: PortPos | None = None
    outputs: list[PortPos] = field(default_factory=list)


@dataclass
class EdgePath:
    src: str
    dst: str
    port: str
    d: str
    back: bool


@dataclass
class Graph:
    width: float
    height: float
    nodes: list[NodeBox]
    edges: list[EdgePath]
    truncated: bool = False


def _text(value: Any, limit: int = 28) -> str:
    text = str(value) if value is not None else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def layout(definition: Any) -> Graph:
    raw_nodes = definition.get("nodes") if isinstance(definition, dict) else None
    raw_edges = definition.get("connections") if isinstance(definition, dict) else None
    nodes: dict[str, dict[str, Any]] = {}
    for raw in raw_nodes if isinstance(raw_nodes, list) else []:
        if isinstance(raw, dict) and isinstance(raw.get("node_id"), str) and raw["node_id"] not in nodes:
            nodes[raw["node_id"]] = raw
    truncated = len(nodes) > MAX_NODES
    if truncated:
        nodes = dict(list(nodes.items())[:MAX_NODES])
    edges: list[tuple[str, str, str]] = []
    for raw in raw_edges if isinstance(raw_edges, list) else []:
        if not isinstance(raw, dict):
            continue
        src, dst = raw.get("from_node_id"), raw.get("to_node_id")
        port = raw.get("from_port") or "out"
        if src in nodes and dst in nodes and isinstance(port, str):
            edges.append((src, dst, port))

    order = list(nodes)
    out: dict[str, list[str]] = defaultdict(list)
    for src, dst, _ in edges:
        out[src].append(dst)
    back = _back_edges(order, out, edges)
    depth = _depths(order, [(s, d) for i, (s, d, _) in enumerate(edges) if i not in back])

    columns: dict[int, list[str]] = defaultdict(list)
    for node_id in order:
        columns[depth[node_id]].append(node_id)
    boxes: dict[str, NodeBox] = {}
    for col, members in sorted(columns.items()):
        for row, node_id in enumerate(members):
            raw = nodes[node_id]
            kind = raw.get("type") if isinstance(raw.get("type"), str) else "?"
            box = NodeBox(node_id=node_id, label=_text(raw.get("name") or node_id), type=_text(kind),
                          x=MARGIN + col * (NODE_W + COL_GAP), y=MARGIN + row * (NODE_H + ROW_GAP))
            used = {p for s, _, p in edges if s == node_id}
            ports = sorted(PORTS.get(kind, frozenset({"out"})) | used, key=lambda p: (p == "error", p))
            step = NODE_H / (len(ports) + 1)
            box.outputs = [PortPos(p, box.x + NODE_W, box.y + step * (i + 1)) for i, p in enumerate(ports)]
            if not kind.startswith("trigger_"):
                box.inputs = PortPos("in", box.x, box.y + NODE_H / 2)
            boxes[node_id] = box

    paths = []
    for i, (src, dst, port) in enumerate(edges):
        a, b = boxes[src], boxes[dst]
        start = next((p for p in a.outputs if p.name == port), PortPos(port, a.x + NODE_W, a.y + NODE_H / 2))
        end_x, end_y = b.x, b.y + NODE_H / 2
        if i in back:  # loop back: under the boxes, right to left
            low = max(a.y, b.y) + NODE_H + ROW_GAP / 2
            d = (f"M{start.x:.0f},{start.y:.0f} C{start.x + 40:.0f},{low:.0f} {end_x - 40:.0f},{low:.0f}"
                 f" {end_x:.0f},{end_y:.0f}")
        else:
            mid = (start.x + end_x) / 2
            d = f"M{start.x:.0f},{start.y:.0f} C{mid:.0f},{start.y:.0f} {mid:.0f},{end_y:.0f} {end_x:.0f},{end_y:.0f}"
        paths.append(EdgePath(src, dst, port, d, i in back))

    width = MARGIN * 2 + (max(columns) + 1 if columns else 1) * (NODE_W + COL_GAP) - COL_GAP
    rows = max((len(m) for m in columns.values()), default=1)
    height = MARGIN * 2 + rows * (NODE_H + ROW_GAP) - ROW_GAP + ROW_GAP
    return Graph(width=width, height=height, nodes=list(boxes.values()), edges=paths, truncated=truncated)


def _back_edges(order: list[str], out: dict[str, list[str]], edges: list[tuple[str, str, str]]) -> set[int]:
    """Indexes of the edges that close a cycle (found by an iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    closing: set[tuple[str, str]] = set()
    for start in order:
        if start in state:
            continue
        stack = [(start, iter(out.get(start, ())))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                closing.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(out.get(child, ()))))
    return {i for i, (s, d, _) in enumerate(edges) if (s, d) in closing}


def _depths(order: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest path from a source, over an acyclic edge set (Kahn's order)."""
    incoming: dict[str, int] = {n: 0 for n in order}
    out: dict[str, list[str]] = defaultdict(list)
    for src, dst in edges:
        incoming[dst] += 1
        out[src].append(dst)
    depth = {n: 0 for n in order}
    ready = [n for n in order if incoming[n] == 0]
    while ready:
        node = ready.pop(0)
        for child in out[node]:
            depth[child] = max(depth[child], depth[node] + 1)
            incoming[child] -= 1
            if incoming[child] == 0:
                ready.append(child)
    return depth
