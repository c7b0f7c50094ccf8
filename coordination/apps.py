from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = _("Coordination")

    def ready(self):
        from pathways import patient_page
        from pathways.signals import demo_data_seeded, early_notification_sent

        from .demo import seed_coordination_demo
        from .patient_page import plan_section
        from .receivers import request_plan_from_notice

        early_notification_sent.connect(request_plan_from_notice,
                                        dispatch_uid="coordination.plan_request_from_notice")
        demo_data_seeded.connect(seed_coordination_demo,
                                 dispatch_uid="coordination.seed_coordination_demo")
        # The patient page shows the patient's plans (pathways does not import coordination).
        patient_page.register("individual_plan", plan_section, order=10)
