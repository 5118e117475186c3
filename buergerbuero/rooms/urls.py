from django.urls import path

from buergerbuero.rooms import views

app_name = "rooms"

urlpatterns = [
    path("raum/<str:token>/", views.join, name="join"),
]
