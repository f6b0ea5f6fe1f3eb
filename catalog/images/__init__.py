"""Images of components: radio cutouts fetched and stored once, and the seed Figure-8 overlay
(renderer in :mod:`.figures`, its ORM side in :mod:`.overlay`, cutouts in :mod:`.cutouts`)."""
