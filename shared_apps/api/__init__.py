"""What both APIs share (the tenant API on organization hosts, the platform API on the
public host): the envelope, the one exception-to-status mapping, the OpenAPI hook and docs
page. Here, not in tenant_apps, because shared_apps may not import tenant_apps."""
