from django.urls import path, re_path

from buergerbuero.public.views import api, offices, widget

app_name = "public"
urlpatterns = [
    path("", offices.authority_list, name="authorities"),
    # Before the catch-all slug patterns below; "api" and "widget" are reserved authority slugs
    # (core.slugs), so no authority's pages can be shadowed by these.
    path("api/v1/openapi.json", api.openapi_json, name="api-openapi"),
    path("api/v1/<slug:authority_slug>/offices/", api.offices, name="api-offices"),
    path("api/v1/<slug:authority_slug>/offices/<slug:office_slug>/", api.office, name="api-office"),
    re_path(r"^api/(?P<rest>.*)$", api.not_found, name="api-not-found"),
    path("widget/<slug:authority_slug>/", widget.widget, name="widget"),
    path("<slug:authority_slug>/", offices.overview, name="overview"),
    path("<slug:authority_slug>/theme.css", offices.authority_theme, name="theme"),
    path("<slug:authority_slug>/<slug:office_slug>/", offices.office_page, name="office"),
    path("<slug:authority_slug>/<slug:office_slug>/qr.svg", offices.office_qr, name="office-qr"),
    path("<slug:authority_slug>/<slug:office_slug>/eintreten/", offices.enter, name="enter"),
    path("<slug:authority_slug>/<slug:office_slug>/warten/", offices.waiting, name="waiting"),
    path("<slug:authority_slug>/<slug:office_slug>/verlassen/", offices.leave, name="leave"),
    path("<slug:authority_slug>/<slug:office_slug>/danke/", offices.thanks, name="thanks"),
]
