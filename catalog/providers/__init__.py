"""External services behind small provider classes (TOM Toolkit "harvesters").

* :mod:`.http` -- one ``requests`` session factory with timeouts and retries;
* :mod:`.fits_image` -- FITS validation shared by every cutout provider;
* :mod:`.cutouts` -- the :class:`~.cutouts.CutoutProvider` protocol and its local-FITS and
  PS1 ``fitscut`` implementations, plus storage under the media root;
* :mod:`.cadc` -- VLASS Quick Look cutouts from CADC via astroquery's CADC client;
* :mod:`.catalogs` -- PS1 DR2 (MAST or VizieR II/389) and AllWISE (VizieR II/328)
  harvesters via astroquery, with configurable base URLs.
"""
