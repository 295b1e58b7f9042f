"""The ``partita`` command line: thin wrappers over the public API, one module per area.

Each module here defines ``commands``, a list of click commands or groups; :mod:`partita.cli.main` finds them,
so adding an area means adding a module, not editing a shared file. Modules import heavy libraries (torch,
music21) inside their functions so that ``partita --help`` stays fast.
"""
