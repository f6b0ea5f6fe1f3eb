"""Figures drawn from plain arrays (matplotlib, Agg; no Django): the seed Figure-8 overlay."""
