from django.urls import path

from buergerbuero.rooms import views

app_name = "staff_rooms"

urlpatterns = [
    path("", views.staff_index, name="index"),
    path("<int:room_id>/", views.staff_room, name="room"),
]
