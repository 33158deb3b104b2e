"""The navigation's unread-notice count, and absolute links (SITE_URL) for pages that offer a
link to copy and send."""

from django import template
from django.conf import settings
from django.urls import reverse

from reports.notifications import services as notifications

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notices(context):
    user = context["request"].user
    return notifications.unread_count(user) if user.is_authenticated else 0


@register.simple_tag
def absolute_url(name, *args):
    return settings.SITE_URL + reverse(name, args=args)
