"""The one label writer: every ``Label`` row is inserted here.

* :mod:`catalog.labels.writer` — experts' labels (API, pages, admin, the command-line expert
  file) under the integrity rules;
* :mod:`catalog.labels.published` — the published catalogues' labels (their ingesters),
  which never override a curator.

A package of its own, importing only the models: the ingesters (which the pipeline imports)
write through it, and so does curation (which imports the pipeline), without an import cycle.
"""
