"""The development endpoints, mounted by grassroots/api/api.py at /api/development/."""

from grassroots.development.api.views import router

__all__ = ["router"]
