"""The `fusion` command line: the top layer, over every other package."""
