"""The tenancy kernel: everything that makes one code base serve many organizations.

The package's own modules are the core every subpackage builds on: the Organization,
Domain, audit and export models (models), the name rules (validators) and service input
checks (validation), the current organization (context), the kernel's signals, audit
records (audit), read queries (selectors), the client address (client_ip) and the bounded
expiring cache (local_cache); the core imports no subpackage. Above it, by concern: db,
routing, runtime, provisioning, lifecycle; on top the wiring (apps, receivers,
management). Nothing here may import tenant_apps or config (import-linter contracts in
pyproject.toml; docs/architecture.md is the map).
"""
