"""Live provisioning progress, pushed to the staff console over the channel layer."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def provisioning_group(organization_id: int) -> str:
    # Progress concerns the platform (public schema), never an organization's members.
    return f"public.provisioning.{organization_id}"


def provisioning_report(organization_id: int, *, step: str, status: str, error: str = "") -> None:
    """Tell every console page watching this organization what just happened."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "provisioning.progress", "step": step, "status": status, "error": error}
    try:
        async_to_sync(layer.group_send)(provisioning_group(organization_id), message)
    except Exception as failure:  # progress is a courtesy; provisioning goes on without it
        logger.warning("could not report provisioning progress: %s", failure)
