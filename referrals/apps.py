from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals and needs assessments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pathways import patient_page, record_actions
        from pathways.signals import death_entered_in_error, demo_data_seeded, patient_died

        from .demo import seed_referrals_demo
        from .links import refer_actions
        from .patient_page import referral_section
        from .receivers import leave_waiting_lists, rejoin_waiting_lists

        patient_died.connect(leave_waiting_lists, dispatch_uid="referrals.leave_waiting_lists")
        death_entered_in_error.connect(rejoin_waiting_lists,
                                       dispatch_uid="referrals.rejoin_waiting_lists")
        demo_data_seeded.connect(seed_referrals_demo, dispatch_uid="referrals.demo")
        # The patient page shows the assessments and referrals (pathways does not import us).
        patient_page.register("referrals", referral_section, order=20)
        # "Refer the patient" on a stay's pathway page and on a plan's page.
        record_actions.register("referrals", refer_actions)
