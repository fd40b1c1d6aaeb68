"""`manage.py failed_tasks`: see, replay and discard tasks that failed past their retries."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared_apps.failed_tasks.models import FailedTask
from shared_apps.failed_tasks.selectors import failed_task_get, failed_tasks_list
from shared_apps.failed_tasks.services import failed_task_discard, failed_task_replay
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.management.cli import json_flag


def _summary(failed: FailedTask) -> dict[str, Any]:
    return {
        "id": failed.pk,
        "task": failed.task_name,
        "task_id": failed.task_id,
        "schema": failed.schema_name,
        "queue": failed.queue,
        "failed_at": failed.failed_at.isoformat(),
        "error": f"{failed.exception_type}: {failed.exception_message}"[:200],
        "replayed_as": failed.replayed_as or None,
    }


class Command(BaseCommand):
    help = "List, show, replay or discard background tasks that failed past their retries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")
        actions = parser.add_subparsers(dest="action", required=True)
        action = json_flag(actions)

        listing = action("list", help="Failed tasks not replayed yet, newest first.")
        listing.add_argument("--all", action="store_true", help="Include replayed ones.")
        listing.add_argument("--task", help="Only this task name.")
        listing.add_argument("--schema", help="Only this organization schema (or public).")
        listing.add_argument("--limit", type=int, default=50)

        show = action("show", help="Everything about one failed task.")
        show.add_argument("id", type=int)

        replay = action("replay", help="Queue failed tasks again.")
        replay.add_argument("ids", type=int, nargs="*")
        replay.add_argument("--all-pending", action="store_true", help="Every one not replayed.")
        replay.add_argument("--task", help="With --all-pending: only this task name.")
        replay.add_argument("--force", action="store_true", help="Even if replayed before.")

        discard = action("discard", help="Delete failed-task records.")
        discard.add_argument("ids", type=int, nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        self.actor = Actor.command_line()
        getattr(self, f"_{options['action']}")(options)

    def _emit(self, options: dict, data: Any, text: str) -> None:
        self.stdout.write(json.dumps(data, indent=2) if options.get("json") else text)

    def _get(self, pk: int) -> FailedTask:
        try:
            return failed_task_get(pk=pk)
        except FailedTask.DoesNotExist:
            raise CommandError(
                f"No failed task with id {pk} (see `failed_tasks list --all`)."
            ) from None

    def _list(self, options: dict) -> None:
        rows = [
            _summary(failed)
            for failed in failed_tasks_list(
                pending_only=not options["all"],
                task_name=options["task"],
                schema_name=options["schema"],
            )[: options["limit"]]
        ]
        lines = [
            f"{row['id']:>6}  {row['failed_at'][:19]}  {row['schema']:<20} {row['task']}  "
            f"{row['error'][:60]}"
            + (f"  (replayed as {row['replayed_as']})" if row["replayed_as"] else "")
            for row in rows
        ]
        self._emit(options, rows, "\n".join(lines) or "No failed tasks.")

    def _show(self, options: dict) -> None:
        failed = self._get(options["id"])
        data = {
            **_summary(failed),
            "args": failed.args,
            "kwargs": failed.kwargs,
            "correlation_id": failed.correlation_id,
            "user_id": failed.user_id,
            "retries": failed.retries,
            "error": f"{failed.exception_type}: {failed.exception_message}",
            "traceback": failed.traceback,
        }
        text = "\n".join(f"{key}: {value}" for key, value in data.items() if key != "traceback")
        self._emit(options, data, f"{text}\n\n{failed.traceback}")

    def _replay(self, options: dict) -> None:
        if options["all_pending"]:
            targets = list(failed_tasks_list(pending_only=True, task_name=options["task"]))
        elif options["ids"]:
            targets = [self._get(pk) for pk in options["ids"]]
        else:
            raise CommandError("Name the failed tasks to replay, or pass --all-pending.")
        replayed, refused = [], []
        for failed in targets:
            # Each replay stands alone: one refusal doesn't undo or stop the others.
            try:
                new_id = failed_task_replay(
                    failed_task=failed, actor=self.actor, force=options["force"]
                )
            except ValidationError as error:
                refused.append(" ".join(error.messages))
                continue
            replayed.append({"id": failed.pk, "task": failed.task_name, "new_task_id": new_id})
        lines = [
            f"Replayed {row['id']} ({row['task']}) as {row['new_task_id']}." for row in replayed
        ]
        self._emit(options, replayed, "\n".join(lines) or "Nothing replayed.")
        if refused:
            raise CommandError("\n".join(refused))

    def _discard(self, options: dict) -> None:
        targets = [self._get(pk) for pk in options["ids"]]
        for failed in targets:
            failed_task_discard(failed_task=failed, actor=self.actor)
        self._emit(options, options["ids"], f"Discarded {len(targets)} failed task(s).")
