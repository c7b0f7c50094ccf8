"""A table's scroller is written one way: {% scroller label %} (common/templatetags/scrollers.py),
which renders the box reachable by keyboard and named. No script names a bare
<div class="table-wrap"> any more, so a template writing one would ship a scroller a keyboard
user cannot reach and a screen reader cannot name."""

from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError

ROOT = Path(__file__).resolve().parent.parent


def _templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        if ".venv" not in folder.parts:
            yield from folder.rglob("*.html")


def test_no_template_writes_a_bare_table_scroller():
    templates = list(_templates())
    assert templates
    bare = [f"{path.relative_to(ROOT)}:{number}"
            for path in templates
            for number, line in enumerate(path.read_text().splitlines(), 1)
            if 'class="table-wrap' in line]
    assert bare == [], "write these with {% scroller _(\"…\") %}…{% endscroller %}"


def test_the_scroller_is_reachable_and_named():
    html = Template('{% load scrollers %}{% scroller label %}<table></table>'
                    '{% endscroller %}').render(Context({"label": "Levels & dates"}))
    assert html == ('<div class="table-wrap" role="region" tabindex="0" '
                    'aria-label="Levels &amp; dates"><table></table></div>')


def test_the_scroller_carries_an_extra_class():
    html = Template('{% load scrollers %}{% scroller "Queue" class="queue-wrap" %}x'
                    '{% endscroller %}').render(Context())
    assert html == ('<div class="table-wrap queue-wrap" role="region" tabindex="0" '
                    'aria-label="Queue">x</div>')


@pytest.mark.parametrize("tag", ['{% scroller %}', '{% scroller "A" "B" %}',
                                 '{% scroller "A" id="b" %}'])
def test_the_scroller_takes_a_label_and_at_most_a_class(tag):
    with pytest.raises(TemplateSyntaxError):
        Template("{% load scrollers %}" + tag + "{% endscroller %}")


def test_every_template_with_a_scroller_loads_the_tag():
    from django.template.loader import get_template

    users = [path for path in _templates() if "{% scroller" in path.read_text()]
    assert len(users) >= 15
    for path in users:
        folder = next(parent for parent in path.parents if parent.name == "templates")
        get_template(str(path.relative_to(folder)))  # a missing {% load scrollers %} raises
