"""Form pieces every app's forms use: date and datetime-local inputs, text areas."""

from django import forms

DATE_INPUT = {"type": "date"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE_INPUT,
                                                               format="%Y-%m-%d"), **kwargs)



def datetime_field(label, **kwargs):
    """A datetime-local input, read in the portal's time zone (Europe/Oslo)."""
    return forms.DateTimeField(
        label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                format=DATETIME_FORMAT), **kwargs)



def text_area(rows=3):
    return forms.Textarea(attrs={"rows": rows})
