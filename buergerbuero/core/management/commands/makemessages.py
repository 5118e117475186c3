"""Django's makemessages, also extracting our page scripts' wrappers of the JavaScript catalog:
``t()`` (gettext) and ``nt()`` (ngettext) of buergerbuero/core/static/core/i18n.js."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    def handle(self, *args, **options):
        if options.get("domain") == "djangojs":
            self.xgettext_options = [*self.xgettext_options, "--keyword=t", "--keyword=nt:1,2"]
        return super().handle(*args, **options)
