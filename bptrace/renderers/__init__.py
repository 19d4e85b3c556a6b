"""Renderers: Graphviz (the embedded WebAssembly build for SVG, system ``dot`` for PNG/PDF),
pdflatex, and matplotlib for the lessons' figures. Each turns a printer's text, or a
trace, into a file.
"""
