"""{% scroller label %}…{% endscroller %}: the box a wide table scrolls in on a narrow screen,
reachable by keyboard (tabindex) and named for screen readers (a region with a label), so a
keyboard user can scroll it with the arrow keys (WCAG 2.1.1; axe scrollable-region-focusable).

    {% load scrollers %}
    {% scroller _("Measures of the plan") %}<table class="table">…</table>{% endscroller %}
"""

from django import template
from django.utils.html import format_html

register = template.Library()


class ScrollerNode(template.Node):
    def __init__(self, label, nodelist):
        self.label = label
        self.nodelist = nodelist

    def render(self, context):
        return format_html(
            '<div class="table-wrap" role="region" tabindex="0" aria-label="{}">{}</div>',
            self.label.resolve(context), self.nodelist.render(context))


@register.tag
def scroller(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% scroller label %} takes one label")
    nodelist = parser.parse(("endscroller",))
    parser.delete_first_token()
    return ScrollerNode(parser.compile_filter(bits[1]), nodelist)
