"""Sub-commands of the `fusion` command line, one module each."""
