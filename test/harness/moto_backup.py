"""AWS Backup plans and tags as real AWS answers them, where moto 5.2 differs (loaded by moto_launcher.py).

- ListTags: the SDK sends GET /tags/{arn} without a trailing slash; moto reads the ARN from the path's
  second-to-last piece and answers every vault and plan with no tags.
- UpdateBackupPlan: not implemented (an HTML 500). AWS replaces the plan's document and gives it a new version.
- CreateBackupPlan: moto refuses a name a deleted plan had; AWS refuses only a name a live plan has.
"""
import json
from typing import Any
from urllib.parse import unquote

from moto.backup.exceptions import AlreadyExistsException, ResourceNotFoundException
from moto.backup.models import BackupBackend, Plan
from moto.backup.responses import BackupResponse
from moto.moto_api._internal import mock_random


def _with_rule_defaults(backup_plan: dict[str, Any]) -> dict[str, Any]:
    for rule in backup_plan.get("Rules", []):
        rule.setdefault("ScheduleExpression", "cron(0 5 ? * * *)")
        rule.setdefault("StartWindowMinutes", 480)
        rule.setdefault("CompletionWindowMinutes", 10080)
        rule.setdefault("ScheduleExpressionTimezone", "Etc/UTC")
        rule["RuleId"] = str(mock_random.uuid4())
    return backup_plan


def emulate_backup_gaps() -> None:
    def list_tags(self: BackupResponse) -> str:
        resource_arn = unquote(self.path.split("/tags/", 1)[-1].rstrip("/"))
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=resource_arn)})

    def update_backup_plan(self: BackupResponse) -> str:
        plan_id = unquote(self.path.split("/plans/", 1)[-1].strip("/"))
        params = json.loads(self.body)
        plan = self.backup_backend.plans.get(plan_id)
        if plan is None or plan.deletion_date is not None:
            raise ResourceNotFoundException(msg="Failed reading Backup plan with provided version")
        plan.backup_plan = _with_rule_defaults(params["BackupPlan"])
        plan.advanced_backup_settings = params["BackupPlan"].get("AdvancedBackupSettings") or []
        plan.version_id = mock_random.get_random_string(length=48)
        return json.dumps(plan.to_dict())

    original_create = BackupBackend.create_backup_plan

    def create_backup_plan(self: BackupBackend, backup_plan: dict[str, Any], backup_plan_tags: dict[str, str], creator_request_id: str) -> Plan:
        live = [p for p in self.plans.values() if p.deletion_date is None]
        if backup_plan["BackupPlanName"] in [p.backup_plan["BackupPlanName"] for p in live]:
            raise AlreadyExistsException(msg="Backup plan with the same plan document already exists")
        deleted = {pid: p for pid, p in self.plans.items() if p.deletion_date is not None}
        for pid in deleted:
            del self.plans[pid]
        try:
            return original_create(self, backup_plan, backup_plan_tags, creator_request_id)
        finally:
            self.plans.update(deleted)

    BackupResponse.list_tags = list_tags
    BackupResponse.update_backup_plan = update_backup_plan
    BackupBackend.create_backup_plan = create_backup_plan
