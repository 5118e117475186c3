"""The officials' appointment pages, under /staff/appointments/."""

from django.urls import path

from buergerbuero.appointments import staff_views

app_name = "staff_appointments"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("offices/<int:office_id>/", staff_views.day, name="day"),
    path("offices/<int:office_id>/week/", staff_views.week, name="week"),
    path("offices/<int:office_id>/book/", staff_views.book, name="book"),
    path("offices/<int:office_id>/block/", staff_views.block, name="block"),
    path("offices/<int:office_id>/free/", staff_views.free, name="free"),
    path("bookings/<int:booking_id>/cancel/", staff_views.cancel, name="cancel"),
    path("bookings/<int:booking_id>/move/", staff_views.move, name="move"),
    path("bookings/<int:booking_id>/no-show/", staff_views.no_show, name="no-show"),
]
