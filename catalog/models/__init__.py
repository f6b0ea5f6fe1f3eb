"""The catalog's tables, one module per side of the data:

* :mod:`.radio` -- surveys, epochs, radio sources and components (``Positioned``: ICRS degrees
  plus the HEALPix index behind the cone search, :mod:`.querysets`);
* :mod:`.optical` -- PS1 DR2 / AllWISE sources, harvested tiles, component candidates;
* :mod:`.labels` -- host labels with their history;
* :mod:`.predictions` -- model versions, class and host predictions;
* :mod:`.images` -- stored cutouts;
* :mod:`.pipeline` -- the epoch pipeline's records: tiles, diffs, inbox files;
* :mod:`.summaries` -- comments and the per-component summaries that list pages read;
* :mod:`.sources` -- the source catalogue: the association's groups per epoch and method.
* :mod:`.exports` -- background export jobs (large exports written by a worker).
"""

from catalog.models.exports import ExportJob
from catalog.models.images import Cutout
from catalog.models.labels import Label, LabelQuerySet
from catalog.models.optical import Candidate, HarvestedTile, OpticalSource
from catalog.models.pipeline import EpochDiff, EpochDiffEntry, EpochDiffTile, EpochTile, InboxFile
from catalog.models.predictions import ClassPrediction, HostPrediction, ModelVersion
from catalog.models.radio import (
    DEC_HELP,
    HPX_HELP,
    RA_HELP,
    Epoch,
    Positioned,
    RadioComponent,
    RadioSource,
    Survey,
)
from catalog.models.sources import Source
from catalog.models.summaries import Comment, ComponentSummary

__all__ = [
    "DEC_HELP",
    "HPX_HELP",
    "RA_HELP",
    "Candidate",
    "ClassPrediction",
    "Comment",
    "ComponentSummary",
    "Cutout",
    "Epoch",
    "EpochDiff",
    "EpochDiffEntry",
    "EpochDiffTile",
    "EpochTile",
    "ExportJob",
    "HarvestedTile",
    "HostPrediction",
    "InboxFile",
    "Label",
    "LabelQuerySet",
    "ModelVersion",
    "OpticalSource",
    "Positioned",
    "RadioComponent",
    "RadioSource",
    "Source",
    "Survey",
]
