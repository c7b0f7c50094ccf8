"""Choice fields of the pathway forms, labelled for people."""

from django import forms
from django.utils.translation import gettext_lazy as _


class LevelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("Level %(code)s: %(name)s") % {"code": obj.code, "name": obj.localized_name}


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name()


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name()
