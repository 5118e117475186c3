from django.http import HttpRequest, HttpResponse


def verify_form(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def verify(request: HttpRequest, identifier: str) -> HttpResponse:
    return HttpResponse(status=501)
