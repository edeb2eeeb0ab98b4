"""Chime workflow engine: definition validation, templating, safe outbound HTTP and graph execution.

No database here: the service layer persists executions and steps through `on_step` and the RunResult.
"""

from services.engine.definition import (
    NODE_TYPES,
    PORTS,
    Workflow,
    compile_definition,
    definition_problems,
    validate_definition,
)
from services.engine.outbound import AddressPolicy, make_http_client, sign
from services.engine.runner import WorkflowEngine
from services.engine.types import (
    CancelSignal,
    DefinitionError,
    EngineLimits,
    NodeError,
    RunRequest,
    RunResult,
    StepRecord,
)

__all__ = [
    "NODE_TYPES",
    "AddressPolicy",
    "CancelSignal",
    "PORTS",
    "DefinitionError",
    "EngineLimits",
    "NodeError",
    "RunRequest",
    "RunResult",
    "StepRecord",
    "Workflow",
    "WorkflowEngine",
    "compile_definition",
    "definition_problems",
    "make_http_client",
    "sign",
    "validate_definition",
]
