"""Signals other apps listen to; pathways must not import them (coordination → pathways)."""

from django.dispatch import Signal

# Sent inside send_early_notification's transaction with notice= and by=; a receiver that
# raises rolls the send back, so nothing is half done.
early_notification_sent = Signal()

# Sent inside record_death's transaction with patient= and by=, once the death is recorded:
# apps further up end what the patient was waiting for (referrals leave the waiting lists).
patient_died = Signal()

# Sent inside enter_death_in_error's transaction with patient=, by= and died_at= (the time of
# death that was cleared): apps further up undo what patient_died ended (referrals open again
# where they stood).
death_entered_in_error = Signal()

# Sent by `manage.py seed_demo` at the end of its transaction, once the demo patients and
# their pathways are in place, with organizations= (key → Organization), users= (username →
# User) and patients= (key → Patient), the keys of pathways/demo_data.py. Apps further up
# (coordination) add their own demo data from these without pathways knowing them. A
# receiver must be idempotent (seed_demo runs on every `make run`) and may return a line for
# the command to print; one that raises rolls the whole load back.
demo_data_seeded = Signal()

# Sent inside a pathway step's transaction, once the step is recorded, with step= (one of
# STEPS), obj= (the record the step wrote: an Admission, ReadyForDischarge, MunicipalAnswer,
# EarlyNotification ...), patient= and by=. Apps further up tell other systems of it in the
# same transaction (plo writes the PLO message into its outbox), so a rolled-back step tells
# nobody; a receiver that raises rolls the step back.
step_recorded = Signal()
STEPS = (
    "admission.created",  # obj: Admission
    "early_notification.sent",  # obj: EarlyNotification (a first version or a change)
    "admission.ready_for_discharge",  # obj: ReadyForDischarge
    "ready_for_discharge.withdrawn",  # obj: ReadyForDischarge (withdrawn_at set)
    "admission.municipal_answer",  # obj: MunicipalAnswer
    "admission.discharged",  # obj: Admission
    "admission.deceased",  # obj: Admission
    "question.asked",  # obj: PathwayQuestion (one side of the stay asks the other)
    "question.answered",  # obj: PathwayQuestion (answer and answered_at set)
    # Corrections (issue 16, PLO's change and cancel): obj as named.
    "admission.entered_in_error",  # obj: Admission (status ENTERED_IN_ERROR, error_reason)
    "admission.corrected",  # obj: Admission (its admitted_at or ward corrected)
    "admission.discharge_corrected",  # obj: Admission (discharged_at or destination)
    "admission.reopened",  # obj: Admission (its discharge cancelled: open again)
    "ready_for_discharge.entered_in_error",  # obj: ReadyForDischarge (entered_in_error)
    "ready_for_discharge.corrected",  # obj: ReadyForDischarge (declared_at, physician, withdrawal)
    "patient.deceased",  # obj: Patient (died_at: a death outside hospital)
    "patient.death_entered_in_error",  # obj: Patient (died_at cleared)
)
