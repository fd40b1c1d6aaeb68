"""The kernel's management commands: `organization`, `schema_pool`, `template_refresh`.

Owns argument parsing and output only (commands, with the shared subcommand parsing in
cli); every operation is a call to a provisioning or lifecycle service or selector, the
same code path as the console's. May import every layer of the kernel; nothing imports it.
"""
