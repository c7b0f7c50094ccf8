from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = _("Coordination")

    def ready(self):
        from pathways.signals import demo_data_seeded, early_notification_sent

        from .demo import seed_coordination_demo
        from .receivers import request_plan_from_notice

        early_notification_sent.connect(request_plan_from_notice,
                                        dispatch_uid="coordination.plan_request_from_notice")
        demo_data_seeded.connect(seed_coordination_demo,
                                 dispatch_uid="coordination.seed_coordination_demo")
