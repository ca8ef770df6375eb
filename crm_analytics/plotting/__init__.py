"""Matplotlib plots of crm_analytics results, one module per family.

Every function takes an optional ``ax`` and returns the Axes; none calls ``show``.
"""
