"""URLs for reviews, reminders and notifications (the review cadence)."""

urlpatterns: list = []
