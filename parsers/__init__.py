"""Pure functions that turn bytes into typed results.

Nothing in this package touches the network, the database, settings or the clock: every
input (including "now" and the municipality registry) is an argument.
"""
