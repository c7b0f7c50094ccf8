"""The forms of a question on the pathway: ask the stay's other side, and answer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import text_area

from ..models.questions import QUESTION_MAX_LENGTH

HOSPITAL, MUNICIPALITY = "hospital", "municipality"


class AskQuestionForm(forms.Form):
    to = forms.ChoiceField(label=_("Ask"), widget=forms.RadioSelect, choices=())
    text = forms.CharField(
        label=_("Question"), max_length=QUESTION_MAX_LENGTH, widget=text_area(5),
        help_text=_("Both sides read the question and its answer on this page. Write what "
                    "the other side needs to know to answer."))

    def __init__(self, *args, sides, **kwargs):
        """`sides`: [(value, label)] of the parties the reader may ask; one is not asked
        for."""
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        field.choices = sides
        if len(sides) == 1:
            field.widget = forms.HiddenInput()
            field.initial = sides[0][0]


class AnswerQuestionForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=QUESTION_MAX_LENGTH, widget=text_area(5),
        help_text=_("The question is answered once; the asking side is told."))
