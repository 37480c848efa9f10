"""The dashboard's HTTP side (aiohttp): routes, sessions and CSRF, pages and the live feed."""
