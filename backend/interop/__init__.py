"""Where the CRM reaches into libraries' private internals: one module per library, nowhere else.

Each module names what it relies on and why the public API does not do; tests/test_interop.py asserts
exactly those behaviours, so an upgrade that changes one fails there, by name, not somewhere deep in a
request. These modules import only the libraries they adapt (the bottom layer).
"""
