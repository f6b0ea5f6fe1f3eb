"""Readers of the real data sets: Norris et al. 2006 tables and the seed's Norris-71 test set."""
