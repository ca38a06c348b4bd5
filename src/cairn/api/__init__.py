"""The public read API (``cairn.Api``) over a store."""
