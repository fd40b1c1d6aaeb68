import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery import current_app

from tenant_apps.webhooks import services
from tests.tenant_apps.events.conftest import (  # noqa: F401  (the events tests' transports)
    consume_until,
    kafka_bootstrap,
    kafka_transport,
    redis_transport,
)


class Receiver:
    """A real HTTP server on 127.0.0.1: records every request, answers from a script."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[int] = []  # status codes to answer, in order; then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def run_queued(django_capture_on_commit_callbacks):
    """`with run_queued():` tasks queued after a commit inside the block run when it ends, in
    this process, as a worker would run them (the organization's task base), retries
    included: Celery runs an eager task's retries at once, without their countdown (not
    propagating errors: an eager task's retry is raised as an exception when it does)."""

    @contextlib.contextmanager
    def run():
        conf = current_app.conf
        conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                yield callbacks
        finally:
            conf.task_always_eager = False

    return run


@pytest.fixture
def endpoint_for():
    """endpoint_for(url, event_types=[...]) → (endpoint, secret) in the current schema."""

    def make(url: str, event_types=("tracker.project.created",)):
        return services.endpoint_create(
            url=url, description="test", event_types=list(event_types), created_by=None
        )

    return make
