"""What the statistics pages (stats.staff_views) share in presentation, one module per concern that
re-exports nothing: ``formatting`` (how the figures read: numbers, durations, hours and rates in the
active language) and ``charts`` (the dashboard's charts as inline SVG, each with its table)."""
