"""Signals of the tenancy kernel: how shared_apps reach tenant_apps without importing them."""

from django.dispatch import Signal

# Sent inside a new organization's schema (the connection set to it) once the schema
# exists, before the organization is marked active. Receivers set up what each schema
# needs, e.g. the first owner. Arguments: organization, owner_email, owner_password.
# A receiver that raises aborts provisioning, and everything made so far is removed.
organization_schema_ready = Signal()

# Sent inside an active organization's schema when staff, the API or the CLI (re)invite
# its first owner. Arguments: organization, owner_email. Receivers make the invitation
# (replacing earlier owner invitations) and send its email after the commit; one that
# raises ValidationError refuses the request (e.g. the address is already a member).
owner_invitation_requested = Signal()
