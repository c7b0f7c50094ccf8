"""Signals other apps listen to; pathways must not import them (coordination → pathways)."""

from django.dispatch import Signal

# Sent inside send_early_notification's transaction with notice= and by=; a receiver that
# raises rolls the send back, so nothing is half done.
early_notification_sent = Signal()

# Sent inside record_death's transaction with patient= and by=, once the death is recorded:
# apps further up end what the patient was waiting for (referrals leave the waiting lists).
patient_died = Signal()

# Sent by `manage.py seed_demo` at the end of its transaction, once the demo patients and
# their pathways are in place, with organizations= (key → Organization), users= (username →
# User) and patients= (key → Patient), the keys of pathways/demo_data.py. Apps further up
# (coordination) add their own demo data from these without pathways knowing them. A
# receiver must be idempotent (seed_demo runs on every `make run`) and may return a line for
# the command to print; one that raises rolls the whole load back.
demo_data_seeded = Signal()
