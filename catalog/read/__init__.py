"""What users read: one component's answer (:mod:`.answers`), lookups by name (:mod:`.names`),
the host catalogue (:mod:`.host_catalogue`), a component's epoch history
(:mod:`.epoch_history`), the list pages' summaries (:mod:`.summaries`), the search query
(:mod:`.search`), the home page's sky map (:mod:`.skymap`) and real-data figures
(:mod:`.real_figures`)."""
