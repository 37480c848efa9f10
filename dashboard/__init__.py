"""The watch officers' dashboard: a server-rendered web app (aiohttp, Jinja2, htmx) over the
project's own topics: the leads an officer's agency may see, their evidence, audit and
triage; Kafka and Redis only through ``adapters``."""
