"""{% scroller label %}…{% endscroller %}: the box a wide table scrolls in on a narrow screen,
reachable by keyboard (tabindex) and named for screen readers (a region with a label), so a
keyboard user can scroll it with the arrow keys (WCAG 2.1.1; axe scrollable-region-focusable).

    {% load scrollers %}
    {% scroller _("Measures of the plan") %}<table class="table">…</table>{% endscroller %}

An optional class="…" adds classes to the box (class="table-wrap queue-wrap"):

    {% scroller _("Early notifications") class="queue-wrap" %}…{% endscroller %}

This tag is the only way to write a scroller: tests/test_scrollers.py fails on a template with
a bare <div class="table-wrap">.
"""

from django import template
from django.utils.html import format_html

register = template.Library()


class ScrollerNode(template.Node):
    def __init__(self, label, nodelist, extra_class=None):
        self.label = label
        self.nodelist = nodelist
        self.extra_class = extra_class

    def render(self, context):
        classes = "table-wrap"
        if self.extra_class is not None:
            extra = str(self.extra_class.resolve(context) or "").strip()
            if extra:
                classes = f"{classes} {extra}"
        return format_html(
            '<div class="{}" role="region" tabindex="0" aria-label="{}">{}</div>',
            classes, self.label.resolve(context), self.nodelist.render(context))


@register.tag
def scroller(parser, token):
    bits = token.split_contents()
    usage = '{% scroller label %} takes one label and an optional class="…"'
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError(usage)
    extra_class = None
    if len(bits) == 3:
        if not bits[2].startswith("class="):
            raise template.TemplateSyntaxError(usage)
        extra_class = parser.compile_filter(bits[2][len("class="):])
    nodelist = parser.parse(("endscroller",))
    parser.delete_first_token()
    return ScrollerNode(parser.compile_filter(bits[1]), nodelist, extra_class)
