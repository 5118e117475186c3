from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("staff/appointments/", include("buergerbuero.appointments.staff_urls")),
    path("staff/", include("buergerbuero.staff.urls")),
    path("dev/mailbox/", include("buergerbuero.core.urls")),
    # Before the public pages: its paths start with fixed words that the catch-all slugs would take.
    path("", include("buergerbuero.appointments.urls")),
    path("", include("buergerbuero.public.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
