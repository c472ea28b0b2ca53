from grassroots.core.audit import reset_request_ip, set_request_ip


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
