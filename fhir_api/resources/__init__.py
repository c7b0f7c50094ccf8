"""One handler per resource type: which rows the user may see (the models' visible_to), how
to search them, how to map them, and how reads are audited. The shared machinery is in base,
each type's handler in the module named as its mapping (fhir_api.mapping); HANDLERS lists
them in the CapabilityStatement's order."""

from .appointments import AppointmentHandler, AppointmentResponseHandler
from .base import Handler
from .care_plans import CarePlanHandler, CareTeamHandler, GoalHandler
from .communications import CommunicationHandler
from .encounters import EncounterHandler
from .organizations import OrganizationHandler
from .patients import PatientHandler
from .referrals import ObservationHandler, ServiceRequestHandler
from .tasks import TaskHandler

HANDLERS = {handler.type: handler for handler in (
    PatientHandler(), OrganizationHandler(), EncounterHandler(), CommunicationHandler(),
    TaskHandler(), CarePlanHandler(), GoalHandler(), CareTeamHandler(), AppointmentHandler(),
    AppointmentResponseHandler(), ServiceRequestHandler(), ObservationHandler(),
)}

__all__ = [
    "HANDLERS",
    "AppointmentHandler",
    "AppointmentResponseHandler",
    "CarePlanHandler",
    "CareTeamHandler",
    "CommunicationHandler",
    "EncounterHandler",
    "GoalHandler",
    "Handler",
    "ObservationHandler",
    "OrganizationHandler",
    "PatientHandler",
    "ServiceRequestHandler",
    "TaskHandler",
]
