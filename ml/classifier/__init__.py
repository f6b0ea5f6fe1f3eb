"""Optical GALAXY/QSO/STAR classifier (seed §3.2, the authors' "model A").

* :func:`ml.classifier.model.optical_classifier` — ResNet-18 on PS1 g r i z y stamps plus W1/W2
  asinh magnitudes and a no-AllWISE-match mask (``features`` / ``head`` public for a shared
  trunk);
* :mod:`ml.classifier.catalogue` — the catalogue-feature MLP variant (real SDSS figures);
* :mod:`ml.classifier.train` — ``train_one_epoch`` / ``evaluate`` / ``main(cfg)``; its
  checkpoints are written and read by :mod:`ml.checkpoints`.

Submodules are imported on use (``from ml.classifier.model import optical_classifier``) so that
importing the package does not pull in torchvision.
"""
