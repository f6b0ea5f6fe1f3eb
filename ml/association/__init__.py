"""Radio component association (which components make one source) and its core.

* :mod:`.rules` -- the model-free rules (Magliocchetti-style doubles, core + lobes) and
  :class:`~.rules.ComponentSky`;
* :mod:`.associate` -- one radio position -> its source's components and core;
* :mod:`.params` -- the criteria and their parameters;
* :mod:`.edges` / :mod:`.learn` -- the learned pair (edge) score and its fit on expert groupings;
* :mod:`.refit` -- refitting the catalogue-level host method on labelled components.
"""
