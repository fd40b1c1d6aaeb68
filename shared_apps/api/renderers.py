"""The envelope around every answer of both APIs (envelope.py has the error mapping).

A module of its own: DRF's views module reads DEFAULT_RENDERER_CLASSES when imported, so
the renderer must not live beside code that imports rest_framework.views.
"""

from typing import Any

from rest_framework import status
from rest_framework.renderers import JSONRenderer


class EnvelopeRenderer(JSONRenderer):
    """Wraps whatever a view returns in the envelope; pagination adds `response.meta`."""

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        response = (renderer_context or {}).get("response")
        if response is None or response.status_code == status.HTTP_204_NO_CONTENT:
            return super().render(data, accepted_media_type, renderer_context)
        if response.status_code >= 400:
            body = {"data": None, "error": data, "meta": {}}
        else:
            body = {"data": data, "error": None, "meta": getattr(response, "meta", {})}
        return super().render(body, accepted_media_type, renderer_context)
