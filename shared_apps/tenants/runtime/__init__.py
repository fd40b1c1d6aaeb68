"""Runtime: the adapters settings and other apps plug in to run inside an organization.

Owns the Celery task base that runs each task in its organization's schema (task_base),
fan-out of periodic tasks to every organization (fanout, tasks), Channels group names
and sends (groups), the base class of organization-facing consumers (consumers),
per-organization file storage (storage), capped sessions (sessions), the log context and
its formatters (log_context), request ids (correlation) and schema-bound signing
(signing). May import the core, db and routing; never provisioning or lifecycle.
"""
