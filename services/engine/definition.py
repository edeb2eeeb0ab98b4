"""Workflow definition validation and compilation into an executable graph.

Graph model:
* Connections leave a node through a port: "out" (default), "true"/"false" (condition_if), "body"/"out"
  (loop_foreach), and "error" on any node that can fail (taken instead of the normal ports when it fails).
* A loop body is every node reachable from the loop's "body" connections. A body may connect back to its own
  loop node (read as "next item", ignored at run time); any other cycle is an error. A body can only be entered
  through its loop's "body" port, so bodies nest properly and every node belongs to exactly one scope
  (the top level or the innermost loop whose body contains it).
* Entry nodes are the trigger nodes, which must sit at top level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.engine.node_types import COMMON_KEYS as COMMON_KEYS  # re-exported for nodes.py
from services.engine.node_types import NODE_TYPES as DECLARED
from services.engine.node_types import config_problems
from services.engine.templates import TemplateSyntaxError, check_syntax
from services.engine.types import DefinitionError

TRIGGERS = frozenset({"trigger_schedule", "trigger_manual"})
# Ports and configs come from the node-type declarations (node_types.py), which GET /api/v1/node-types publishes.
PORTS: dict[str, frozenset[str]] = {name: frozenset(t.ports) for name, t in DECLARED.items()}
NODE_TYPES = frozenset(PORTS)


@dataclass(frozen=True, slots=True)
class Node:
    node_id: str
    type: str
    name: str | None
    config: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Edge:
    src: str
    port: str
    dst: str


@dataclass(slots=True)
class Scope:
    """Nodes run together: the top level (loop_id None) or one loop body (run once per item)."""

    loop_id: str | None
    nodes: tuple[str, ...]
    in_degree: dict[str, int]                       # in-scope incoming connections per node
    out: dict[str, dict[str, tuple[str, ...]]]      # node -> port -> in-scope targets
    entries: frozenset[str]
    # Set when the scope is one plain chain: the top level of a workflow without loops, exactly one node
    # without incoming connections (this one) and at most one connection into and out of every node. Such a
    # scope never runs two nodes at once, so the runner walks it in the caller's task.
    chain_start: str | None = None


@dataclass(slots=True)
class Workflow:
    nodes: dict[str, Node]
    scopes: dict[str | None, Scope]
    variables: dict[str, Any] = field(default_factory=dict)
    loop_depth: dict[str, int] = field(default_factory=dict)   # loop node -> nesting depth (1 = top level)
    scope_of: dict[str, str | None] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.nodes


def validate_definition(definition: Any) -> None:
    """Raise the first DefinitionError found (all of them are attached as `.problems`)."""
    problems = definition_problems(definition)
    if problems:
        first = problems[0]
        first.problems = problems
        raise first


def definition_problems(definition: Any) -> list[DefinitionError]:
    """Every problem in the definition (empty list when it is valid)."""
    return _analyse(definition)[1]


def compile_definition(definition: Any) -> Workflow:
    workflow, problems = _analyse(definition)
    if problems:
        first = problems[0]
        first.problems = problems
        raise first
    assert workflow is not None
    return workflow


# --------------------------------------------------------------------------------------------------- analysis


def _analyse(definition: Any) -> tuple[Workflow | None, list[DefinitionError]]:
    problems: list[DefinitionError] = []
    if not isinstance(definition, Mapping):
        return None, [DefinitionError("definition must be a JSON object", None, "invalid_definition")]
    raw_nodes = definition.get("nodes", [])
    raw_conns = definition.get("connections", [])
    variables = definition.get("variables", {})
    raw_nodes = [] if raw_nodes is None else raw_nodes
    raw_conns = [] if raw_conns is None else raw_conns
    variables = {} if variables is None else variables
    if not isinstance(raw_nodes, list):
        problems.append(DefinitionError("'nodes' must be a list", None, "invalid_definition"))
        raw_nodes = []
    if not isinstance(raw_conns, list):
        problems.append(DefinitionError("'connections' must be a list", None, "invalid_definition"))
        raw_conns = []
    if not isinstance(variables, Mapping):
        problems.append(DefinitionError("'variables' must be an object", None, "invalid_definition"))
        variables = {}

    nodes: dict[str, Node] = {}
    step_refs: list[tuple[str, str]] = []   # (node_id, referenced node id) from ${steps.<id>...}
    for index, raw in enumerate(raw_nodes):
        node = _check_node(raw, index, nodes, problems, step_refs)
        if node is not None:
            nodes[node.node_id] = node
    for node_id, ref in step_refs:
        if ref not in nodes:
            problems.append(DefinitionError(
                f"node '{node_id}': template refers to unknown node 'steps.{ref}'", node_id, "invalid_template"))

    edges = _check_connections(raw_conns, nodes, problems)
    if not nodes:
        return (Workflow({}, {None: Scope(None, (), {}, {}, frozenset())}, dict(variables)) if not problems
                else None), problems

    triggers = [n for n in nodes.values() if n.type in TRIGGERS]
    if not triggers:
        problems.append(DefinitionError(
            "no entry node: add a trigger_schedule or trigger_manual node", None, "no_entry_node"))
    workflow = _build_graph(nodes, edges, problems)
    if workflow is None or problems:
        return None, problems
    workflow.variables = dict(variables)
    return workflow, problems


def _check_node(raw: Any, index: int, seen: dict[str, Node], problems: list[DefinitionError],
                step_refs: list[tuple[str, str]]) -> Node | None:
    if not isinstance(raw, Mapping):
        problems.append(DefinitionError(f"nodes[{index}] must be an object", None, "invalid_node"))
        return None
    node_id = raw.get("node_id")
    if not isinstance(node_id, str) or not node_id.strip():
        problems.append(DefinitionError(f"nodes[{index}] needs a non-empty string 'node_id'", None, "invalid_node"))
        return None
    if node_id in seen:
        problems.append(DefinitionError(f"duplicate node_id '{node_id}'", node_id, "duplicate_node_id"))
        return None
    node_type = raw.get("type")
    if node_type not in NODE_TYPES:
        problems.append(DefinitionError(
            f"node '{node_id}': unknown node type {node_type!r}", node_id, "unknown_node_type"))
        return None
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        problems.append(DefinitionError(f"node '{node_id}': 'name' must be a string", node_id, "invalid_node"))
    config = raw.get("config")
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        problems.append(DefinitionError(f"node '{node_id}': 'config' must be an object", node_id, "invalid_node"))
        return None
    for code, message in config_problems(node_type, config):
        problems.append(DefinitionError(f"node '{node_id}' ({node_type}): {message}", node_id, code))
    try:
        for ref in check_syntax(config):
            if ref.path[0] == "steps" and len(ref.path) > 1:
                step_refs.append((node_id, ref.path[1]))
    except TemplateSyntaxError as exc:
        problems.append(DefinitionError(f"node '{node_id}': bad template: {exc}", node_id, "invalid_template"))
    # A node with a bad config still takes part in graph checks, so all problems surface at once.
    return Node(node_id, node_type, name if isinstance(name, str) else None, config)


def _check_connections(raw_conns: list[Any], nodes: dict[str, Node],
                       problems: list[DefinitionError]) -> list[Edge]:
    edges: list[Edge] = []
    seen: set[Edge] = set()
    for index, raw in enumerate(raw_conns):
        if not isinstance(raw, Mapping):
            problems.append(DefinitionError(f"connections[{index}] must be an object", None, "invalid_connection"))
            continue
        src, dst = raw.get("from_node_id"), raw.get("to_node_id")
        port = raw.get("from_port") or "out"
        dangling = [(end, v) for end, v in (("from", src), ("to", dst)) if not isinstance(v, str) or v not in nodes]
        if dangling:
            known = src if isinstance(src, str) and src in nodes else dst if isinstance(dst, str) and dst in nodes \
                else None
            what = " and ".join(f"{end}_node_id {v!r}" for end, v in dangling)
            problems.append(DefinitionError(
                f"connections[{index}] ({src!r} -> {dst!r}): {what} is not a node", known, "dangling_connection"))
            continue
        node_type = nodes[src].type
        if port not in PORTS[node_type]:
            allowed = ", ".join(sorted(PORTS[node_type])) or "none"
            problems.append(DefinitionError(
                f"node '{src}' ({node_type}) has no output port {port!r} (allowed: {allowed})", src, "invalid_port"))
            continue
        if src == dst:
            problems.append(DefinitionError(f"node '{src}' connects to itself (cycle)", src, "cycle"))
            continue
        edge = Edge(src, port, dst)
        if edge not in seen:   # duplicate connections would double-count the join
            seen.add(edge)
            edges.append(edge)
    return edges


def _build_graph(nodes: dict[str, Node], edges: list[Edge], problems: list[DefinitionError]) -> Workflow | None:
    succ: dict[str, list[Edge]] = {n: [] for n in nodes}
    for e in edges:
        succ[e.src].append(e)
    loops = [n for n, node in nodes.items() if node.type == "loop_foreach"]

    def body_of(loop: str, follow: dict[str, list[Edge]]) -> set[str]:
        seen: set[str] = set()
        stack = [e.dst for e in follow[loop] if e.port == "body"]
        while stack:
            n = stack.pop()
            if n == loop or n in seen:
                continue
            seen.add(n)
            stack.extend(e.dst for e in follow[n])
        return seen

    first_bodies = {loop: body_of(loop, succ) for loop in loops}
    back = {e for e in edges if e.dst in first_bodies and e.src in first_bodies[e.dst]}
    forward = [e for e in edges if e not in back]
    fsucc: dict[str, list[Edge]] = {n: [] for n in nodes}
    for e in forward:
        fsucc[e.src].append(e)

    cycle = _find_cycle(nodes, fsucc)
    if cycle:
        where = " -> ".join(cycle)
        problems.append(DefinitionError(
            f"cycle outside a loop body: {where} (only a loop body may connect back to its loop node)",
            cycle[0], "cycle"))
        return None

    bodies = {loop: body_of(loop, fsucc) for loop in loops}
    scope_of: dict[str, str | None] = {}
    for n in nodes:
        owners = [loop for loop in loops if n in bodies[loop]]
        scope_of[n] = min(owners, key=lambda lp: len(bodies[lp])) if owners else None

    before = len(problems)
    for e in back:
        if e.src not in bodies[e.dst]:
            problems.append(DefinitionError(
                f"connection '{e.src}' -> '{e.dst}' loops back into a loop it is not inside", e.src, "loop_scope"))
    for e in forward:
        if e.port == "body":
            if scope_of[e.dst] != e.src:
                problems.append(DefinitionError(
                    f"node '{e.dst}' is in the body of loop '{e.src}' but is also reached from elsewhere",
                    e.dst, "loop_scope"))
        elif scope_of[e.src] != scope_of[e.dst]:
            inner = scope_of[e.dst] or scope_of[e.src]
            problems.append(DefinitionError(
                f"connection '{e.src}' -> '{e.dst}' crosses the body boundary of loop '{inner}'"
                " (a body is entered only through its loop's 'body' port)", e.dst, "loop_scope"))
    for n, node in nodes.items():
        if node.type in TRIGGERS and scope_of[n] is not None:
            problems.append(DefinitionError(
                f"trigger node '{n}' cannot be inside the body of loop '{scope_of[n]}'", n, "loop_scope"))
    if len(problems) > before:
        return None

    depth: dict[str, int] = {}

    def depth_of(loop: str) -> int:
        if loop not in depth:
            parent = scope_of[loop]
            depth[loop] = 1 + (depth_of(parent) if parent else 0)
        return depth[loop]

    for loop in loops:
        depth_of(loop)

    scopes: dict[str | None, Scope] = {}
    for key in [None, *loops]:
        members = tuple(n for n in nodes if scope_of[n] == key)
        in_degree = dict.fromkeys(members, 0)
        out: dict[str, dict[str, list[str]]] = {n: {} for n in members}
        for e in forward:
            if e.port != "body" and scope_of[e.src] == key:
                in_degree[e.dst] += 1
                out[e.src].setdefault(e.port, []).append(e.dst)
        if key is None:
            entries = frozenset(n for n in members if nodes[n].type in TRIGGERS)
        else:
            entries = frozenset(e.dst for e in forward if e.src == key and e.port == "body")
        chain_start = None
        starts = [n for n in members if in_degree[n] == 0]
        if key is None and not loops and len(starts) == 1 and all(d <= 1 for d in in_degree.values()) \
                and all(sum(len(t) for t in ports.values()) <= 1 for ports in out.values()):
            chain_start = starts[0]
        scopes[key] = Scope(key, members, in_degree,
                            {n: {p: tuple(t) for p, t in ports.items()} for n, ports in out.items()}, entries,
                            chain_start)
    return Workflow(nodes, scopes, {}, depth, scope_of)


def _find_cycle(nodes: dict[str, Node], succ: dict[str, list[Edge]]) -> list[str] | None:
    """Iterative DFS; returns one cycle as a node path (first node repeated at the end)."""
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(nodes, white)
    for start in nodes:
        if color[start] != white:
            continue
        path: list[str] = [start]
        iters = [iter(succ[start])]
        color[start] = grey
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                color[path.pop()] = black
                iters.pop()
                continue
            n = nxt.dst
            if color[n] == grey:
                return path[path.index(n):] + [n]
            if color[n] == white:
                color[n] = grey
                path.append(n)
                iters.append(iter(succ[n]))
    return None
