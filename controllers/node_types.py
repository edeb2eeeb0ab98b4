"""The workflow node-type catalogue, for builder UIs and bots (from services/engine/node_types.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

from quart import Blueprint
from quart_schema import tag, validate_response

from controllers.deps import requires
from services.engine.node_types import NODE_TYPES
from services.schemas import NodeTypeList

bp = Blueprint("node_types", __name__, url_prefix="/api/v1/node-types")


@cache
def _catalogue() -> dict[str, Any]:
    # The same declarations the validator checks definitions with, so the two cannot disagree.
    return {"items": [{"type": t.type, "description": t.description, "ports": list(t.ports),
                       "config_schema": t.schema(), "example": t.example} for t in NODE_TYPES.values()]}


@bp.get("")
@requires("workflows:read")
@tag(["workflows"])
@validate_response(NodeTypeList)
async def list_node_types():
    return _catalogue()
