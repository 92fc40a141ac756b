"""Jupyter widgets: the backward/forward steppers and the derivative plot."""
