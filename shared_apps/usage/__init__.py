"""Usage metering: per organization and day, what billing needs.

API calls, events, active members, storage bytes and task-seconds are counted in Redis
as they happen (`meters.py`: one pipelined round trip per request, relay batch or task),
and a periodic task copies the day's totals into `UsageDay` in the public schema
(`services.py`), where the console and the platform API read across organizations
(`selectors.py`). Imports the kernel (task headers); never tenant_apps: the tenant side
calls the meters (the relay, the usage consumer in tenant_apps/events).
"""
