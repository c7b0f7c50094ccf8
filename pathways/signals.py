"""Signals other apps listen to; pathways must not import them (coordination → pathways)."""

from django.dispatch import Signal

# Sent inside send_early_notification's transaction with notice= and by=; a receiver that
# raises rolls the send back, so nothing is half done.
early_notification_sent = Signal()
