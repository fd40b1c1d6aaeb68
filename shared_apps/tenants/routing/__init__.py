"""Routing: which organization a request or WebSocket is for, and the pages when none is.

Owns host parsing and the allowed-hosts list (hosts), the cached hostname → organization
lookup with its cross-process invalidation (resolver), the HTTP and ASGI middleware that
apply it (middleware, websocket), the status and error pages (pages, error_pages), the
platform site's stand-in tenant (public) and absolute links to organizations and the
platform (links). May import the core (models, validators, context) and db; never the
runtime, provisioning or lifecycle.
"""
