"""What changed between epochs: it reads the host catalogue (:mod:`catalog.read`) of two
processed epochs, so it sits above both the pipeline and the reads (the pipeline's finishing
task calls it from workers)."""
