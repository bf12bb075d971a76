"""The bottom layer: blocks, text utilities, errors, the frame schema, constants and file I/O.

Every other room of the package may import from here; nothing here imports from them.
"""
