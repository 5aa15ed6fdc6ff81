"""督办 over the API: a supervisor issues a notice on a case; the organisation holding it replies."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.supervision_notice_schemas import (
    SupervisionNoticeInputSchema,
    SupervisionNoticeSchema,
    SupervisionReplyInputSchema,
)
from workflow_service.models import SupervisionNotice
from workflow_service.services.supervision.urging import issue_notice, list_notices, reply_to_notice

blp = Blueprint(
    "supervision_notices", __name__, url_prefix="/api/v1", description="督办 / supervision notices"
)
blp.before_request(require_bearer_token)


@blp.route("/cases/<string:number>/supervision-notices")
class CaseSupervisionNoticesResource(MethodView):
    @blp.response(200, SupervisionNoticeSchema(many=True))
    def get(self, number: str) -> list[SupervisionNotice]:
        """办件的督办单 / A case's supervision notices

        办件的督办单，新的在前；能看到该办件的人都可查。

        The case's 督办 notices, newest first, for anyone who may see the case.
        """
        return list_notices(current_user(), number)

    @blp.alt_response(409, description="The case has no open step, or a notice on it still awaits its reply")
    @blp.arguments(SupervisionNoticeInputSchema)
    @blp.response(201, SupervisionNoticeSchema)
    def post(self, payload: dict, number: str) -> SupervisionNotice:
        """发出督办 / Issue a supervision notice

        督办人员对其范围内的办件发出督办（其他角色 403）：持有当前环节的机构和角色收到督办事项，须在
        reply_due_on 前回复，逾期由工作进程标记为逾期。

        Issue a 督办 notice (supervisors whose scope covers the case; 403 for other roles). The
        organisation and role holding the case's open step get a supervision item in their inbox, due on
        ``reply_due_on``; unanswered by then, the worker marks it late.
        """
        return issue_notice(current_user(), number, payload["reason"], payload["reply_due_on"])


@blp.route("/supervision-notices/<int:notice_id>/reply")
class SupervisionReplyResource(MethodView):
    @blp.alt_response(409, description="The notice was answered already")
    @blp.arguments(SupervisionReplyInputSchema)
    @blp.response(200, SupervisionNoticeSchema)
    def post(self, payload: dict, notice_id: int) -> SupervisionNotice:
        """回复督办 / Reply to a supervision notice

        由督办事项所派的机构和角色书面回复（其他 403）。

        Reply in writing, as the organisation and role the item was routed to (403 for others).
        """
        return reply_to_notice(current_user(), notice_id, payload["reply"] or "")
