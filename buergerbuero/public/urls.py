from django.urls import path

from buergerbuero.public import views

app_name = "public"
urlpatterns = [
    path("", views.authority_list, name="authorities"),
    path("<slug:authority_slug>/", views.overview, name="overview"),
    path("<slug:authority_slug>/theme.css", views.authority_theme, name="theme"),
    path("<slug:authority_slug>/<slug:office_slug>/", views.office_page, name="office"),
    path("<slug:authority_slug>/<slug:office_slug>/qr.svg", views.office_qr, name="office-qr"),
    path("<slug:authority_slug>/<slug:office_slug>/eintreten/", views.enter, name="enter"),
    path("<slug:authority_slug>/<slug:office_slug>/warten/", views.waiting, name="waiting"),
    path("<slug:authority_slug>/<slug:office_slug>/verlassen/", views.leave, name="leave"),
    path("<slug:authority_slug>/<slug:office_slug>/danke/", views.thanks, name="thanks"),
]
