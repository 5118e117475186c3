from django.apps import AppConfig


class SiteConfig(AppConfig):
    """An app for its management commands and templates; it has no models."""

    name = "buergerbuero.site"
    label = "site"
