"""Bad positions and the exact message each must give, on the search page and in the API alike."""

#: position typed -> (part at fault, exact message); shared with the page and API tests
BAD_POSITIONS = {
    "400 0": ("ra", "RA must be in [0, 360) deg, got '400'"),
    "-10 0": ("ra", "RA must be in [0, 360) deg, got '-10'"),
    "10 95": ("dec", "Dec must be in [-90, 90] deg, got '95'"),
    "nan 0": ("ra", "RA must be in [0, 360) deg, got 'nan'"),
    "10 nan": ("dec", "Dec must be in [-90, 90] deg, got 'nan'"),
    "03:32:00 -97:48:00": ("dec", "Dec must be in [-90, 90] deg, got '-97:48:00'"),
    "nowhere": (
        None,
        "cannot read a position from 'nowhere': give 'RA Dec' in decimal degrees "
        "(150.1 2.2) or sexagesimal (10:00:24.0 +02:12:00)",
    ),
}
