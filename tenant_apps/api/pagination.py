"""Cursor pagination: stable pages under concurrent writes, links in `meta`."""

from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class Cursor(CursorPagination):
    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data: list) -> Response:
        response = Response(data)
        response.meta = {
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "page_size": self.page_size,
        }
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return schema
