from django.core.management.base import BaseCommand

from assurance.reviews import reminders


class Command(BaseCommand):
    help = (
        "Send the review and escalation reminders due now: the same sweep the scheduler runs, "
        "here in this process. Safe to run at any time: nothing is ever sent twice."
    )

    def handle(self, *args, **options):
        result = reminders.run()
        write = self.stdout.write
        for review in result.scheduled:
            write(f"Scheduled {review}, due {review.due_on:%d %b %Y}.")
        for review in result.retired:
            write(f"{review.get_status_display()}: {review} ({review.skip_reason})")
        swept = result.sweep
        if swept.requeued:
            write(
                self.style.WARNING(
                    f"{swept.requeued} reminders were interrupted before the mail server "
                    "accepted them: sending them again."
                )
            )
        if swept.accepted:
            write(
                f"{swept.accepted} reminders were interrupted after the mail server accepted "
                "them: recorded as sent (not sent twice)."
            )
        if swept.gave_up:
            write(
                self.style.ERROR(
                    f"{swept.gave_up} reminders were interrupted on their last attempt and "
                    "are marked failed."
                )
            )
        write(
            f"Claimed {result.sweep.claimed} new reminders; "
            f"{len(result.sweep.recipients)} people have reminders waiting."
        )
        sent = 0
        for delivery in result.deliveries:
            for item in delivery.sent:
                sent += 1
                write(f"Sent to {delivery.recipient}: {item.stage_label} – {item.label}")
            for item, reason in delivery.skipped:
                write(f"Skipped for {delivery.recipient}: {item.label} – {reason}")
            for item in delivery.failed:
                later = " (will retry)" if delivery.will_retry else ""
                write(
                    self.style.ERROR(
                        f"Failed for {delivery.recipient}: {item.label} – {delivery.error}{later}"
                    )
                )
        write(self.style.SUCCESS(f"{sent} reminders sent.") if sent else "Nothing to send.")
