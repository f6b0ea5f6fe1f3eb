"""The source catalogue's writer: :func:`build.build_sources` (an epoch's groups as ``Source`` rows)
and :func:`build.build_epoch_sources` (the finishing step's call). It sits above
:mod:`catalog.pipeline` (the sky it reads) and :mod:`catalog.read` (the hosts it copies)."""
