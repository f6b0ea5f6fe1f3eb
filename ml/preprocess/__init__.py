"""Image preprocessing: the radio chain (seed §3.1) and the PS1 optical stamp chain."""
