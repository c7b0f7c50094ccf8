"""The patient's own door, under settings.CITIZEN_URL_PREFIX: each area's views module lists
its own routes."""

from .views import home, meetings, messages, plan, referrals, rights, signin

app_name = "citizen"
urlpatterns = [*home.urls, *signin.urls, *plan.urls, *meetings.urls, *messages.urls,
               *referrals.urls, *rights.urls]
