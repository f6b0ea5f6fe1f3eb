"""``manage.py ingest_optical_candidates``: PS1 DR2 (+AllWISE) host candidates of a component."""

from catalog.ingest.command import IngestCommand
from catalog.ingest.component_candidates import (
    _component,
    harvest_candidates,
    ingest_candidate_files,
)
from catalog.providers.catalogs import (
    CANDIDATE_BOX_ARCMIN,
    PS1_ALLWISE_RADIUS_ARCSEC,
    MastPS1,
    VizierCatalog,
)


class Command(IngestCommand):
    help = (
        "Ingest the optical candidates (seed §2.2.2: PS1 DR2 in a 3.6′ box, AllWISE W1/W2) of "
        "one component, from local VOTable/CSV files or harvested from MAST/VizieR."
    )

    def add_ingest_arguments(self, parser):
        parser.add_argument("component", help="Component name.")
        parser.add_argument("--epoch", default=None)
        parser.add_argument("--ps1", help="Local PS1 VOTable/CSV.")
        parser.add_argument("--allwise", help="Local AllWISE VOTable/CSV.")
        parser.add_argument("--harvest", choices=["mast", "vizier"], help="Query the services.")
        parser.add_argument("--mast-url", default=None)
        parser.add_argument("--vizier-url", default=None)
        parser.add_argument("--simulated", action="store_true")
        parser.add_argument("--box-arcmin", type=float, default=CANDIDATE_BOX_ARCMIN)
        parser.add_argument(
            "--allwise-radius-arcsec", type=float, default=PS1_ALLWISE_RADIUS_ARCSEC
        )

    def run(self, o, progress):
        if o["harvest"]:
            ps1 = (
                MastPS1(o["mast_url"])
                if o["harvest"] == "mast"
                else VizierCatalog("II/389", base_url=o["vizier_url"])
            )
            wise = VizierCatalog("II/328", base_url=o["vizier_url"])
            return harvest_candidates(
                _component(o["component"], o["epoch"]),
                ps1,
                wise,
                box_arcmin=o["box_arcmin"],
                radius_arcsec=o["allwise_radius_arcsec"],
                dry_run=o["dry_run"],
            )
        if not o["ps1"]:
            raise ValueError("give --ps1 FILE (and optionally --allwise FILE) or --harvest")
        return ingest_candidate_files(
            o["component"],
            o["ps1"],
            o["allwise"],
            epoch=o["epoch"],
            simulated=o["simulated"],
            box_arcmin=o["box_arcmin"],
            radius_arcsec=o["allwise_radius_arcsec"],
            dry_run=o["dry_run"],
        )
