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


class WardChoiceField(forms.ModelChoiceField):
    """A hospital's wards in a select grouped by department (or by hospital and department
    when the queryset spans hospitals: the transfer form), named by UUID in the form."""

    def __init__(self, *args, by_hospital: bool = False, **kwargs):
        kwargs.setdefault("to_field_name", "uuid")
        kwargs.setdefault("empty_label", _("Choose a ward"))
        super().__init__(*args, **kwargs)
        self.by_hospital = by_hospital

    def label_from_instance(self, obj):
        return obj.label

    def _grouped_choices(self):
        if self.queryset is None:
            return []
        groups: dict[str, list] = {}
        wards = self.queryset.select_related("department", "hospital").order_by(
            "hospital__name", "department__name", "name")
        for ward in wards:
            group = (f"{ward.hospital.name}, {ward.department.name}"
                     if getattr(self, "by_hospital", False)
                     else ward.department.name)
            groups.setdefault(group, []).append((str(ward.uuid), self.label_from_instance(ward)))
        return [("", self.empty_label), *groups.items()]

    choices = property(_grouped_choices, forms.ChoiceField.choices.fset)
