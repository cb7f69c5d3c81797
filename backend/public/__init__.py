"""Public campaign, booking, preferences and support pages: what visitors without an account see (CONTRACT.md, HTTP)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from backend.public import booking, pages, preferences, support


def routes() -> list[BaseRoute]:
    return [
        Route("/c/{code}", pages.campaign_page, methods=["GET"]),
        Route("/c/{code}/embed", pages.campaign_page, methods=["GET"]),
        Route("/c/{code}/like", pages.like, methods=["POST"]),
        Route("/c/{code}/enrol", pages.enrol, methods=["POST"]),
        Route("/b/{token}", booking.page, methods=["GET"]),
        Route("/b/{token}", booking.book, methods=["POST"]),
        Route("/u/{token}", preferences.page, methods=["GET"]),
        Route("/u/{token}/unsubscribe", preferences.unsubscribe, methods=["POST"]),
        Route("/u/{token}/resubscribe", preferences.resubscribe, methods=["POST"]),
        Route("/support/{code}", support.page, methods=["GET"]),
        Route("/support/{code}", support.submit, methods=["POST"]),
        Route("/s/{token}", support.survey_page, methods=["GET"]),
        Route("/s/{token}", support.rate, methods=["POST"]),
    ]
