from django.conf import settings
from django.utils import translation

from grassroots.core.audit import reset_request_ip, set_request_ip

API_PREFIX = "/api/"


class LanguageMiddleware:
    """Pages speak Chinese unless the user chose English (the language cookie, set by the switch in the
    footer); API clients choose with Accept-Language. A browser's English preference alone does not turn a
    Chinese page half-English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            language = translation.get_language_from_request(request)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class NoStoreMiddleware:
    """Pages of signed-in users may carry personal data: never cached (SECURITY.md F5). Also records the
    client address for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_ip(request.META.get("REMOTE_ADDR"))
        try:
            response = self.get_response(request)
        finally:
            reset_request_ip(token)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response
