"""The forms of a pathway variant's shared plan (early supported discharge ...): enrol,
plan an activity, record it, hand over and end. The services decide every step."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import datetime_field, text_area

from ..models import ActivityStatus, PathwayVariant, VariantActivityKind

NOTE_LENGTH = 2000


class _Localized(forms.ModelChoiceField):
    """A choice of variant or activity by its name in the reader's language."""

    def label_from_instance(self, obj):
        return obj.localized_name


class EnrolForm(forms.Form):
    variant = _Localized(
        label=_("Pathway"), queryset=PathwayVariant.objects.none(), empty_label=None,
        widget=forms.RadioSelect,
        help_text=_("The hospital's team and the municipality share the plan from now on; "
                    "the municipality's coordinating unit sees it on this page."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = PathwayVariant.objects.active().order_by("name", "pk")


class ScheduleActivityForm(forms.Form):
    kind = _Localized(label=_("Activity"), queryset=VariantActivityKind.objects.none(),
                      empty_label=_("Choose an activity"))
    scheduled_at = datetime_field(_("Time"), help_text=_("Norwegian time."))
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_LENGTH,
                           widget=text_area(3),
                           help_text=_("What both sides should know, e.g. what to practise."))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds


class RecordActivityForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"), widget=forms.RadioSelect,
        choices=[(ActivityStatus.DONE, ActivityStatus.DONE.label),
                 (ActivityStatus.CANCELLED, ActivityStatus.CANCELLED.label)])
    done_at = datetime_field(_("Done at"), required=False,
                             help_text=_("Norwegian time; now if left empty. Not for a "
                                         "cancelled activity."))
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_LENGTH,
                           widget=text_area(3),
                           help_text=_("What happened, or why it was cancelled."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, activity, **kwargs):
        kwargs.setdefault("initial", {
            "version": activity.version,
            "done_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)


class HandOverForm(forms.Form):
    note = forms.CharField(
        label=_("Handover note"), required=False, max_length=NOTE_LENGTH, widget=text_area(5),
        help_text=_("What the municipality takes over: goals reached, what to go on with."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, enrolment, **kwargs):
        kwargs.setdefault("initial", {"version": enrolment.version})
        super().__init__(*args, **kwargs)


class EndEnrolmentForm(forms.Form):
    note = forms.CharField(label=_("Why the pathway ends"), required=False, max_length=500,
                           widget=text_area(3))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, enrolment, **kwargs):
        kwargs.setdefault("initial", {"version": enrolment.version})
        super().__init__(*args, **kwargs)
