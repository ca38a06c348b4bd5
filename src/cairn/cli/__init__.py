"""The ``cairn`` command line. ``main.py`` holds the root group; each command group lives
in its own module, imported only when it runs. Nothing here is imported by ``import cairn``.
"""
