"""What composes the site, on top of every app: the URLconf, the WebSocket routing and the ASGI
application, the background jobs, the daily retention pass, the demo data and the development mailbox.
Nothing below imports this package."""
