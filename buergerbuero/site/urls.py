"""The URLconf of the site (ROOT_URLCONF): every app's pages under their prefixes."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from buergerbuero.staff.forms import AdminLoginForm
from buergerbuero.staff.views import admin_login

# Both logins share one lockout (staff.ratelimit): the admin's form, and its login URL answering 429.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("staff/appointments/", include("buergerbuero.appointments.staff_urls")),
    path("staff/rooms/", include("buergerbuero.rooms.staff_urls")),
    path("staff/trainings/", include("buergerbuero.trainings.staff_urls")),
    path("staff/certificates/", include("buergerbuero.certificates.staff_urls")),
    path("staff/events/", include("buergerbuero.events.staff_urls")),
    path("staff/statistics/", include("buergerbuero.stats.staff_urls")),
    path("staff/authority/", include("buergerbuero.authorities.settings_urls")),
    path("staff/audit/", include("buergerbuero.audit.staff_urls")),
    path("staff/people/", include("buergerbuero.authorities.staff_urls")),
    path("staff/offices/", include("buergerbuero.offices.staff_urls")),
    path("staff/", include("buergerbuero.staff.urls")),
    path("dev/mailbox/", include("buergerbuero.site.mailbox_urls")),
    # Before the public pages: its paths start with fixed words that the catch-all slugs would take.
    path("", include("buergerbuero.appointments.urls")),
    path("", include("buergerbuero.rooms.urls")),
    path("", include("buergerbuero.trainings.urls")),
    path("", include("buergerbuero.certificates.urls")),
    path("", include("buergerbuero.events.urls")),
    path("", include("buergerbuero.public.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
