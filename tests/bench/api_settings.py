"""bench_api.py's servers: production settings with rate limits out of the way (the
benchmark measures the list, not the 429s); BENCH_PLAIN_SCHEMA set → the plain control
(serving_plain_settings.py: no tenancy, one organization's schema on the search_path)."""

from config.env import env

if env.str("BENCH_PLAIN_SCHEMA", default=""):
    from tests.bench.serving_plain_settings import *  # noqa: F403
else:
    from config.settings.prod import *  # noqa: F403

API_RATE_LIMITS = {
    plan: {"organization": 10**9, "credential": 10**9} for plan in ("free", "team", "business")
}
