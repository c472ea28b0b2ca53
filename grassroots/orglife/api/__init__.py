"""The orglife endpoints, mounted by grassroots/api/api.py at /api/orglife/."""

from grassroots.orglife.api.views import router

__all__ = ["router"]
