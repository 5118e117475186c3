"""The people of an authority and one's own account, under /staff/people/."""

from django.urls import path

from buergerbuero.authorities import staff_views

app_name = "staff_people"

urlpatterns = [
    path("", staff_views.people, name="index"),
    path("invite/", staff_views.invite, name="invite"),
    path("<int:staff_id>/", staff_views.person, name="person"),
    path("<int:staff_id>/role/", staff_views.change_role, name="role"),
    path("<int:staff_id>/active/", staff_views.set_active, name="active"),
    path("<int:staff_id>/invitation/resend/", staff_views.resend_invitation, name="resend"),
    path("<int:staff_id>/invitation/revoke/", staff_views.revoke_invitation, name="revoke"),
    path("account/", staff_views.account, name="account"),
    path("account/password/", staff_views.password_change, name="password"),
    path("password-reset/", staff_views.password_reset, name="reset"),
    path("password-reset/sent/", staff_views.password_reset_sent, name="reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        staff_views.password_reset_confirm,
        name="reset-confirm",
    ),
    path("invitation/<str:token>/", staff_views.accept, name="accept"),
]
