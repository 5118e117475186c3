from django.urls import path

from buergerbuero.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("availability/", views.set_availability, name="availability"),
    path("offices/<int:office_id>/open/", views.open_office, name="open-office"),
    path("offices/<int:office_id>/close/", views.close_office, name="close-office"),
    path("offices/<int:office_id>/admit-next/", views.admit_next, name="admit-next"),
    path("tickets/<int:ticket_id>/admit/", views.admit, name="admit"),
    path("tickets/<int:ticket_id>/decline/", views.decline, name="decline"),
    path("consultations/<int:consultation_id>/send-back/", views.send_back, name="send-back"),
    path("consultations/<int:consultation_id>/transfer/", views.transfer, name="transfer"),
    path("consultations/<int:consultation_id>/invite/", views.invite, name="invite"),
    path("invitations/<int:participant_id>/answer/", views.answer_invitation, name="answer-invitation"),
]
