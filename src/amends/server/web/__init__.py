"""The web app served next to the API: the Check page for agents, the Dashboard for leads, the
Ledger and Practice. Pages are Jinja2 templates with plain JavaScript and CSS (no build step,
nothing fetched from the internet at run time: Chart.js is vendored under ``static/vendor``).

The pages call the API's ``/v1`` endpoints; what the API does not serve (the dashboard's
aggregates, the ledger's lists and marks) comes from thin JSON routes under ``/web/data`` that
call the store's library functions. ``install(app)`` adds both and the static files.
"""

from .router import install

__all__ = ["install"]
