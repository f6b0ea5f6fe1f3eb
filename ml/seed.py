"""The seed's field geometry (Lou, Lake & Tsai 2023, §2.2.2 and §3.3), defined once.

A component's field is the 3.6′ box centred on it: every PS1 DR2 object inside is a host
candidate (§2.2.2), and the radio cutout the network sees is 240 × 240 px at the VLASS
Quick Look scale of 1″/px (§3.3), the box being its central 216 px. Everything that cuts,
renders, selects or evaluates a field reads these names.
"""

#: Side of the radio cutout (px), seed §3.3.
CUTOUT_SIZE_PX = 240
#: Pixel scale of the radio cutout (arcsec/px): the VLASS Quick Look grid, seed §3.3.
CUTOUT_SCALE_ARCSEC = 1.0
#: Side of the candidate box (arcmin), seed §2.2.2.
CANDIDATE_BOX_ARCMIN = 3.6
#: The same box in arcsec (216″): one field across.
FIELD_SIZE_ARCSEC = CANDIDATE_BOX_ARCMIN * 60.0
