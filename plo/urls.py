"""The operator's PLO message log (issue 16): the list, a message's page and its steps."""

from django.urls import path

from . import views

app_name = "plo"
urlpatterns = [
    path("plo/messages/", views.message_list, name="messages"),
    path("plo/messages/<uuid:uuid>/", views.message_detail, name="message"),
    path("plo/messages/<uuid:uuid>/process-again/", views.reprocess_message, name="reprocess"),
    path("plo/messages/<uuid:uuid>/write-receipt/", views.answer_again, name="answer_again"),
    path("plo/messages/<uuid:uuid>/send-again/", views.resend_message, name="resend"),
    path("plo/channels/", views.channels, name="channels"),
]
