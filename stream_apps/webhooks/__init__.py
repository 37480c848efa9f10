"""The webhook sender (``fusion webhooks run``): each enabled endpoint's agency's lead topic,
read with the endpoint's own consumer group, delivered signed (Standard Webhooks) with
retries, dead-lettered when exhausted; receipts and offsets committed together. A plain
asyncio service beside the Faust worker, not a Faust agent."""
