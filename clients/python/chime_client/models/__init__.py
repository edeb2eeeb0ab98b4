"""Contains all the data models used in inputs/outputs"""

from .access_token_out import AccessTokenOut
from .approval_token_out import ApprovalTokenOut
from .approve_in import ApproveIn
from .approve_in_action import ApproveInAction
from .approve_out import ApproveOut
from .approve_out_action import ApproveOutAction
from .approve_out_status import ApproveOutStatus
from .audit_event_out import AuditEventOut
from .audit_event_out_changes import AuditEventOutChanges
from .audit_list import AuditList
from .backfill_fire import BackfillFire
from .backfill_fire_status import BackfillFireStatus
from .backfill_in import BackfillIn
from .backfill_out import BackfillOut
from .client_created import ClientCreated
from .client_created_status import ClientCreatedStatus
from .client_in import ClientIn
from .client_in_scopes_item import ClientInScopesItem
from .client_list import ClientList
from .client_out import ClientOut
from .client_out_status import ClientOutStatus
from .client_patch import ClientPatch
from .client_patch_scopes_type_0_item import ClientPatchScopesType0Item
from .coverage_metrics import CoverageMetrics
from .definition_check import DefinitionCheck
from .definition_check_definition_type_0 import DefinitionCheckDefinitionType0
from .definition_verdict import DefinitionVerdict
from .definition_verdict_problems_item import DefinitionVerdictProblemsItem
from .delivery_list import DeliveryList
from .delivery_out import DeliveryOut
from .delivery_out_status import DeliveryOutStatus
from .error_detail import ErrorDetail
from .error_out import ErrorOut
from .event_accepted import EventAccepted
from .event_batch_in import EventBatchIn
from .event_batch_out import EventBatchOut
from .event_execution import EventExecution
from .event_execution_status import EventExecutionStatus
from .event_in import EventIn
from .event_in_payload import EventInPayload
from .event_list import EventList
from .event_out import EventOut
from .event_out_payload import EventOutPayload
from .event_skip import EventSkip
from .execute_in import ExecuteIn
from .execute_in_context_data_type_0 import ExecuteInContextDataType0
from .execute_in_mock_outputs_type_0 import ExecuteInMockOutputsType0
from .execute_out import ExecuteOut
from .execution_list import ExecutionList
from .execution_out import ExecutionOut
from .execution_out_status import ExecutionOutStatus
from .execution_out_trigger import ExecutionOutTrigger
from .fire_instant import FireInstant
from .fire_metrics import FireMetrics
from .fixit_in import FixitIn
from .fixit_in_mode import FixitInMode
from .fixit_out import FixitOut
from .fixit_out_mode import FixitOutMode
from .fixit_out_status import FixitOutStatus
from .fixit_task_out import FixitTaskOut
from .fixit_task_out_decision import FixitTaskOutDecision
from .fixit_task_out_retry_status_type_0 import FixitTaskOutRetryStatusType0
from .get_list_audit_events_order import GetListAuditEventsOrder
from .get_list_clients_order import GetListClientsOrder
from .get_list_executions_order import GetListExecutionsOrder
from .get_list_executions_status_type_0 import GetListExecutionsStatusType0
from .get_list_executions_trigger_type_0 import GetListExecutionsTriggerType0
from .get_list_notification_deliveries_order import GetListNotificationDeliveriesOrder
from .get_list_notification_deliveries_status_type_0 import GetListNotificationDeliveriesStatusType0
from .get_list_notification_targets_order import GetListNotificationTargetsOrder
from .get_list_schedules_order import GetListSchedulesOrder
from .get_list_schedules_schedule_type_type_0 import GetListSchedulesScheduleTypeType0
from .get_list_schedules_status_type_0 import GetListSchedulesStatusType0
from .get_list_workflows_order import GetListWorkflowsOrder
from .get_schedule_executions_order import GetScheduleExecutionsOrder
from .get_schedule_executions_status_type_0 import GetScheduleExecutionsStatusType0
from .get_schedule_executions_trigger_type_0 import GetScheduleExecutionsTriggerType0
from .health import Health
from .instance_out import InstanceOut
from .node_type_list import NodeTypeList
from .node_type_out import NodeTypeOut
from .node_type_out_config_schema import NodeTypeOutConfigSchema
from .node_type_out_example import NodeTypeOutExample
from .notification_target_create import NotificationTargetCreate
from .notification_target_create_events_item import NotificationTargetCreateEventsItem
from .notification_target_create_kind import NotificationTargetCreateKind
from .notification_target_list import NotificationTargetList
from .notification_target_out import NotificationTargetOut
from .notification_target_out_events_item import NotificationTargetOutEventsItem
from .notification_target_out_kind import NotificationTargetOutKind
from .notification_target_removed import NotificationTargetRemoved
from .notification_target_replace import NotificationTargetReplace
from .notification_target_replace_events_item import NotificationTargetReplaceEventsItem
from .notification_target_replace_kind import NotificationTargetReplaceKind
from .pause_in import PauseIn
from .preview_out import PreviewOut
from .preview_request import PreviewRequest
from .probe import Probe
from .recent_task import RecentTask
from .recent_task_status import RecentTaskStatus
from .recent_task_task_status import RecentTaskTaskStatus
from .recent_task_trigger import RecentTaskTrigger
from .removed import Removed
from .retry_config import RetryConfig
from .retry_config_backoff import RetryConfigBackoff
from .run_now_in import RunNowIn
from .run_now_out import RunNowOut
from .run_now_out_status import RunNowOutStatus
from .schedule_config import ScheduleConfig
from .schedule_config_event_filter_type_0 import ScheduleConfigEventFilterType0
from .schedule_config_overlap_policy import ScheduleConfigOverlapPolicy
from .schedule_config_patch import ScheduleConfigPatch
from .schedule_config_patch_event_filter_type_0 import ScheduleConfigPatchEventFilterType0
from .schedule_config_patch_overlap_policy_type_0 import ScheduleConfigPatchOverlapPolicyType0
from .schedule_config_patch_schedule_type_type_0 import ScheduleConfigPatchScheduleTypeType0
from .schedule_config_schedule_type import ScheduleConfigScheduleType
from .schedule_create import ScheduleCreate
from .schedule_create_context_data_type_0 import ScheduleCreateContextDataType0
from .schedule_list import ScheduleList
from .schedule_out import ScheduleOut
from .schedule_out_context_data import ScheduleOutContextData
from .schedule_out_event_filter_type_0 import ScheduleOutEventFilterType0
from .schedule_out_overlap_policy import ScheduleOutOverlapPolicy
from .schedule_out_schedule_type import ScheduleOutScheduleType
from .schedule_out_status import ScheduleOutStatus
from .schedule_patch import SchedulePatch
from .schedule_patch_context_data_type_0 import SchedulePatchContextDataType0
from .schedule_replace import ScheduleReplace
from .schedule_replace_context_data_type_0 import ScheduleReplaceContextDataType0
from .sitrep import Sitrep
from .sitrep_health_status import SitrepHealthStatus
from .sitrep_item import SitrepItem
from .sitrep_item_severity import SitrepItemSeverity
from .snooze_in import SnoozeIn
from .step_out import StepOut
from .task_detail import TaskDetail
from .task_detail_result import TaskDetailResult
from .task_detail_status_type_0 import TaskDetailStatusType0
from .task_metrics import TaskMetrics
from .token_generate_in import TokenGenerateIn
from .token_request import TokenRequest
from .workflow_in import WorkflowIn
from .workflow_in_definition import WorkflowInDefinition
from .workflow_in_status import WorkflowInStatus
from .workflow_list import WorkflowList
from .workflow_out import WorkflowOut
from .workflow_out_definition import WorkflowOutDefinition
from .workflow_removed import WorkflowRemoved
from .workflow_schedules import WorkflowSchedules

__all__ = (
    "AccessTokenOut",
    "ApprovalTokenOut",
    "ApproveIn",
    "ApproveInAction",
    "ApproveOut",
    "ApproveOutAction",
    "ApproveOutStatus",
    "AuditEventOut",
    "AuditEventOutChanges",
    "AuditList",
    "BackfillFire",
    "BackfillFireStatus",
    "BackfillIn",
    "BackfillOut",
    "ClientCreated",
    "ClientCreatedStatus",
    "ClientIn",
    "ClientInScopesItem",
    "ClientList",
    "ClientOut",
    "ClientOutStatus",
    "ClientPatch",
    "ClientPatchScopesType0Item",
    "CoverageMetrics",
    "DefinitionCheck",
    "DefinitionCheckDefinitionType0",
    "DefinitionVerdict",
    "DefinitionVerdictProblemsItem",
    "DeliveryList",
    "DeliveryOut",
    "DeliveryOutStatus",
    "ErrorDetail",
    "ErrorOut",
    "EventAccepted",
    "EventBatchIn",
    "EventBatchOut",
    "EventExecution",
    "EventExecutionStatus",
    "EventIn",
    "EventInPayload",
    "EventList",
    "EventOut",
    "EventOutPayload",
    "EventSkip",
    "ExecuteIn",
    "ExecuteInContextDataType0",
    "ExecuteInMockOutputsType0",
    "ExecuteOut",
    "ExecutionList",
    "ExecutionOut",
    "ExecutionOutStatus",
    "ExecutionOutTrigger",
    "FireInstant",
    "FireMetrics",
    "FixitIn",
    "FixitInMode",
    "FixitOut",
    "FixitOutMode",
    "FixitOutStatus",
    "FixitTaskOut",
    "FixitTaskOutDecision",
    "FixitTaskOutRetryStatusType0",
    "GetListAuditEventsOrder",
    "GetListClientsOrder",
    "GetListExecutionsOrder",
    "GetListExecutionsStatusType0",
    "GetListExecutionsTriggerType0",
    "GetListNotificationDeliveriesOrder",
    "GetListNotificationDeliveriesStatusType0",
    "GetListNotificationTargetsOrder",
    "GetListSchedulesOrder",
    "GetListSchedulesScheduleTypeType0",
    "GetListSchedulesStatusType0",
    "GetListWorkflowsOrder",
    "GetScheduleExecutionsOrder",
    "GetScheduleExecutionsStatusType0",
    "GetScheduleExecutionsTriggerType0",
    "Health",
    "InstanceOut",
    "NodeTypeList",
    "NodeTypeOut",
    "NodeTypeOutConfigSchema",
    "NodeTypeOutExample",
    "NotificationTargetCreate",
    "NotificationTargetCreateEventsItem",
    "NotificationTargetCreateKind",
    "NotificationTargetList",
    "NotificationTargetOut",
    "NotificationTargetOutEventsItem",
    "NotificationTargetOutKind",
    "NotificationTargetRemoved",
    "NotificationTargetReplace",
    "NotificationTargetReplaceEventsItem",
    "NotificationTargetReplaceKind",
    "PauseIn",
    "PreviewOut",
    "PreviewRequest",
    "Probe",
    "RecentTask",
    "RecentTaskStatus",
    "RecentTaskTaskStatus",
    "RecentTaskTrigger",
    "Removed",
    "RetryConfig",
    "RetryConfigBackoff",
    "RunNowIn",
    "RunNowOut",
    "RunNowOutStatus",
    "ScheduleConfig",
    "ScheduleConfigEventFilterType0",
    "ScheduleConfigOverlapPolicy",
    "ScheduleConfigPatch",
    "ScheduleConfigPatchEventFilterType0",
    "ScheduleConfigPatchOverlapPolicyType0",
    "ScheduleConfigPatchScheduleTypeType0",
    "ScheduleConfigScheduleType",
    "ScheduleCreate",
    "ScheduleCreateContextDataType0",
    "ScheduleList",
    "ScheduleOut",
    "ScheduleOutContextData",
    "ScheduleOutEventFilterType0",
    "ScheduleOutOverlapPolicy",
    "ScheduleOutScheduleType",
    "ScheduleOutStatus",
    "SchedulePatch",
    "SchedulePatchContextDataType0",
    "ScheduleReplace",
    "ScheduleReplaceContextDataType0",
    "Sitrep",
    "SitrepHealthStatus",
    "SitrepItem",
    "SitrepItemSeverity",
    "SnoozeIn",
    "StepOut",
    "TaskDetail",
    "TaskDetailResult",
    "TaskDetailStatusType0",
    "TaskMetrics",
    "TokenGenerateIn",
    "TokenRequest",
    "WorkflowIn",
    "WorkflowInDefinition",
    "WorkflowInStatus",
    "WorkflowList",
    "WorkflowOut",
    "WorkflowOutDefinition",
    "WorkflowRemoved",
    "WorkflowSchedules",
)
