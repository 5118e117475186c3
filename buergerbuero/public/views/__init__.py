"""The citizens' pages of ``public``, one module per concern (``public.urls`` imports each): ``offices``
(overview, office page, entering, waiting and the consultation, leaving, thank you, the authority's theme
and an office's QR code), ``widget`` (the status widget to be framed) and ``api`` (the public status API).
What they share in presentation is in ``public.pages``."""
