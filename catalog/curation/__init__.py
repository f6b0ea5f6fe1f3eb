"""Curation: the one label writer and its rules (:mod:`.labels`), the curators group
(:mod:`.curators`), and the refit of the deployed method from expert relabels (:mod:`.refit`)."""
