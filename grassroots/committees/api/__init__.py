"""The committees endpoints, mounted by grassroots/api/api.py at /api/committees/."""

from grassroots.committees.api.views import router

__all__ = ["router"]
