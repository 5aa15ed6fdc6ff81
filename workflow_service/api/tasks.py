"""Tasks: the caller's inbox, claim / unclaim / complete, and a supervisor's reassignment."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.staff_examples import COMPLETE_REQUEST_EXAMPLE, TASKS_EXAMPLE
from workflow_service.api.task_schemas import (
    InboxQuerySchema,
    InboxTaskSchema,
    TaskCompletedSchema,
    TaskCompleteSchema,
    TaskDetailSchema,
    TaskReassignSchema,
)
from workflow_service.database import reading_after_writes
from workflow_service.services.read.tasks import (
    CompletedTaskView,
    TaskView,
    reread_task,
    view_completed_task,
    view_task,
    view_tasks,
)
from workflow_service.services.review.reassignment import reassign_task
from workflow_service.services.work import inbox, tasks

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="待办任务 / the task inbox")
blp.before_request(require_bearer_token)


@blp.route("")
class InboxResource(MethodView):
    @blp.arguments(InboxQuerySchema, location="query", unknown=RAISE)
    @blp.response(
        200,
        InboxTaskSchema(many=True),
        example=TASKS_EXAMPLE,
        headers={
            "X-Next-Cursor": {
                "description": "下一页的 cursor；最后一页没有此响应头",
                "schema": {"type": "string"},
            }
        },
    )
    def get(self, query: dict) -> tuple[list[TaskView], dict[str, str]]:
        """待办任务 / The inbox

        调用者所在机构和角色的待办任务（未签收或本人已签收），临期在前，可按与待办页面相同的条件筛选。键集
        分页：把响应头 X-Next-Cursor 作为 cursor 取下一页。

        Open tasks for the caller's organisation and roles, unclaimed or claimed by them, due first,
        narrowed by the same filters as the inbox page (claimed, service, status, township, due_soon).
        Keyset pagination: pass the ``X-Next-Cursor`` response header as ``cursor`` for the next page.
        """
        page = inbox.inbox_page(
            current_user(),
            limit=query["limit"],
            cursor=query["cursor"],
            claimed=query["claimed"],
            service_code=query["service"],
            statuses=query["status"],
            township_code=query["township"],
            due_soon=query["due_soon"],
        )
        return view_tasks(current_user(), page.tasks), (
            {"X-Next-Cursor": page.next_cursor} if page.next_cursor else {}
        )


@blp.route("/<uuid:task_id>")
class TaskResource(MethodView):
    @blp.response(200, TaskDetailSchema)
    def get(self, task_id: object) -> TaskView:
        """任务详情 / A task

        单个任务及其表单（JSON Schema）。

        One task with its form (JSON Schema).
        """
        return view_task(current_user(), str(task_id))


@blp.route("/<uuid:task_id>/claim")
class ClaimResource(MethodView):
    @blp.alt_response(409, description="The task was completed or cancelled meanwhile")
    @blp.response(200, TaskDetailSchema)
    def post(self, task_id: object) -> TaskView:
        """签收任务 / Claim a task

        签收任务：在退回之前，它不再出现在同事的待办中。

        Take the task: it leaves colleagues' inboxes until unclaimed.
        """
        claimed = tasks.claim_task(current_user(), str(task_id))
        with reading_after_writes():
            return reread_task(current_user(), claimed)


@blp.route("/<uuid:task_id>/unclaim")
class UnclaimResource(MethodView):
    @blp.alt_response(409, description="The task was completed or cancelled meanwhile")
    @blp.response(200, TaskDetailSchema)
    def post(self, task_id: object) -> TaskView:
        """退回任务 / Unclaim a task

        把任务退回本机构待签收。

        Give the task back to the organisation's pool.
        """
        unclaimed = tasks.unclaim_task(current_user(), str(task_id))
        with reading_after_writes():
            return reread_task(current_user(), unclaimed)


@blp.route("/<uuid:task_id>/complete")
class CompleteResource(MethodView):
    @blp.alt_response(
        409,
        description="The task was completed or cancelled meanwhile, the case changed meanwhile "
        "or is suspended, "
        "or the step waits for something first (the fee, deferred materials)",
    )
    @blp.arguments(TaskCompleteSchema, example=COMPLETE_REQUEST_EXAMPLE)
    @blp.response(200, TaskCompletedSchema)
    def post(self, payload: dict, task_id: object) -> CompletedTaskView:
        """办理任务 / Complete a task

        以表单数据办结任务：办件进入下一环节，应答列出其后的待办任务（next_tasks，办件结束时为空）。

        Complete the task with its form data; the case moves on to its next step, and the answer names the
        case's open tasks after it (``next_tasks``, empty once the case has ended).
        """
        completed = tasks.complete_task(current_user(), str(task_id), payload["data"])
        with reading_after_writes():
            return view_completed_task(current_user(), completed)


@blp.route("/<uuid:task_id>/reassign")
class ReassignResource(MethodView):
    @blp.alt_response(
        409, description="The task was completed or cancelled meanwhile, or the case changed meanwhile"
    )
    @blp.arguments(TaskReassignSchema)
    @blp.response(200, TaskDetailSchema)
    def post(self, payload: dict, task_id: object) -> TaskView:
        """改派任务 / Reassign a task

        督办人员把未办结任务改派给同类的另一机构，原签收随之清除。

        A supervisor moves an open task to another organisation of the right type; its claim is cleared.
        """
        moved = reassign_task(current_user(), str(task_id), payload["organisation"], payload["reason"])
        with reading_after_writes():
            return reread_task(current_user(), moved)
