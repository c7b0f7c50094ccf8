"""The channel form: one choice per step the organisation hears of."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import ChannelStep, StepChannel

from . import channels


class ChannelForm(forms.Form):
    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        plo = channels.has_plo(organization)
        labels = dict(StepChannel.choices)
        now = channels.current(organization)
        for step in channels.steps_heard(organization):
            self.fields[step] = forms.ChoiceField(
                label=ChannelStep(step).label, widget=forms.RadioSelect,
                choices=[(c, labels[c]) for c in channels.channels_for(step, plo=plo)],
                initial=now[step])
        self.plo = plo

    def choices(self) -> dict[str, str]:
        return dict(self.cleaned_data)


NO_PLO = _("Your organisation has no active PLO connection: PLO cannot be chosen until one "
           "is set up (docs/plo.md).")
