"""Lifecycle: running an organization once it exists, until it is deleted.

Owns status changes, renames, plans, sign-in policy and deletion (services), custom
domains (domains), the first owner's invitation once active (owners), exports and
restores (exports, tasks), the member directory behind "find my organization"
(directory) and support impersonation tickets (impersonation_tickets). May import the
core, db, runtime and provisioning (a restore creates an organization; a deletion removes
what provisioning made); nothing in the kernel imports it but the wiring.
"""
