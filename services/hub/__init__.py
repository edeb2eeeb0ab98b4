"""The hub's own state and read models: sessions and sign-in links, page queries, graph layout, time text.

Writes to schedules, executions and workflows never happen here: the hub calls ScheduleService,
ExecutionService and WorkflowService like the API does.
"""
