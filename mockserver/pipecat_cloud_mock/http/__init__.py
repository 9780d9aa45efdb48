"""The HTTP shell: WSGI, the admin API, wire faults, the access log and the server.

The only package that knows Flask or the server.
"""
