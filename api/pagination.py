from rest_framework.pagination import CursorPagination


class CursorPages(CursorPagination):
    """Stable pages however rows are added: follow `next` until it is null."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
