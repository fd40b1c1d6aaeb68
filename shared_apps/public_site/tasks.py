from celery import shared_task

from shared_apps.public_site.services import organization_finder_send


@shared_task(name="public_site.send_organization_finder_email", acks_late=True)
def send_organization_finder_email(email: str) -> bool:
    """Runs in the public schema (queued from the public host)."""
    return organization_finder_send(email=email)
