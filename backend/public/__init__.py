"""Public campaign pages: what visitors without an account see (CONTRACT.md, HTTP)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from backend.public import pages


def routes() -> list[BaseRoute]:
    return [
        Route("/c/{code}", pages.campaign_page, methods=["GET"]),
        Route("/c/{code}/embed", pages.campaign_page, methods=["GET"]),
        Route("/c/{code}/like", pages.like, methods=["POST"]),
        Route("/c/{code}/enrol", pages.enrol, methods=["POST"]),
    ]
