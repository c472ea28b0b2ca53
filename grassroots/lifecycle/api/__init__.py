from grassroots.lifecycle.api.views import router

__all__ = ["router"]
