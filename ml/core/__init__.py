"""Where is the radio core? :mod:`.location` (centroid, geodesic centre, the §5.3 gate),
:mod:`.bent` (bent sources' skeletons), :mod:`.learned` (a heat-map CNN locator)."""
