"""Outgoing webhooks: an organization's admins register endpoints, and every domain event of
the types an endpoint chose is POSTed to it, signed with that endpoint's secret.

A consumer of domain events (tenant_apps/events): it runs in the event's organization's
schema, so deliveries are recorded and sent only for that organization's endpoints.
Layers (pyproject.toml): urls > views, consumers > forms > services > tasks > attempts >
selectors > signing, targets > models. Uses the events app's consumer API, the
notifications app's services (the disabled-endpoint notice) and accounts' roles.
"""
