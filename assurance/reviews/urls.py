"""URLs for reviews, reminders and notifications (the review cadence)."""

from django.urls import path

from assurance.reviews import views as views

app_name = "reviews"
urlpatterns = [
    path("reviews/<uuid:review_uuid>/", views.review_detail, name="review_detail"),
    path("reviews/<uuid:review_uuid>/complete/", views.review_complete, name="review_complete"),
    path("reviews/<uuid:review_uuid>/skip/", views.review_skip, name="review_skip"),
    path(
        "locations/<uuid:location_uuid>/reviews/", views.location_reviews, name="location_reviews"
    ),
    path("providers/<slug:slug>/reviews/", views.provider_reviews, name="provider_reviews"),
    path("notifications/", views.notification_list, name="notification_list"),
    path(
        "notifications/<uuid:notification_uuid>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("reminders/", views.reminders_home, name="reminders_home"),
    path("reminders/sweep/", views.reminders_run, name="reminders_run"),
    path(
        "locations/<uuid:location_uuid>/reminders/",
        views.location_reminders,
        name="location_reminders",
    ),
    path("providers/<slug:slug>/reminders/", views.provider_reminders, name="provider_reminders"),
]
