from django.urls import path

from buergerbuero.rooms import staff_views

app_name = "staff_rooms"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<int:room_id>/", staff_views.detail, name="room"),
]
