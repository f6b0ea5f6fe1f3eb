"""Where is the radio core? :mod:`.centres` (centroid, geodesic centre), :mod:`.location`
(the §5.3 gate), :mod:`.bent` (bent sources' skeletons), :mod:`.learned` (a heat-map CNN
locator)."""
