from typing import Literal

TaskDetailResult = Literal["approved", "denied", "skipped"]

TASK_DETAIL_RESULT_VALUES: set[TaskDetailResult] = {
    "approved",
    "denied",
    "skipped",
}


def check_task_detail_result(value: str) -> TaskDetailResult:
    if value in TASK_DETAIL_RESULT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TASK_DETAIL_RESULT_VALUES!r}")
