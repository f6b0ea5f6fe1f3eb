"""``manage.py export_host_table --epoch E --format csv|fits|votable|parquet [--output F]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.api.exports import FORMATS


class Command(BaseCommand):
    help = (
        "Write an epoch's source catalogue (one row per source: name, type, components, "
        "position and core, flux, size, host with reliability) with the API's export writers "
        "(units and UCDs in every format). The rows are the ones /api/sources/ serves."
    )

    def add_arguments(self, parser):
        parser.add_argument("--epoch", required=True, help="Epoch: name or 'SURVEY NAME'.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--output", default=None,
                            help="File to write (default sources_<survey>_<epoch>.<ext>).")  # fmt: skip
        parser.add_argument("--model-version", default=None,
                            help="Method version, id or name (default: the API's current one).")  # fmt: skip
        parser.add_argument("--build", action="store_true",
                            help="(Re)build the epoch's sources for that version first.")  # fmt: skip

    def handle(self, *args, **o):
        from catalog.api.tables import export_sources
        from catalog.methods.versions import UnknownModelVersion, resolve_model_version
        from catalog.models import Source
        from catalog.pipeline.candidates import resolve_epoch
        from catalog.pipeline.epoch import tile_order
        from catalog.read.source_catalogue import source_queryset
        from catalog.sources.build import build_sources

        try:
            epoch = resolve_epoch(o["epoch"])
            mv = resolve_model_version(o["model_version"])
        except (ValueError, UnknownModelVersion) as exc:
            raise CommandError(str(exc)) from exc
        if mv is None:
            raise CommandError("no host method version exists yet: run process_epoch first")
        if o["build"]:
            build_sources(epoch.pk, mv, order=epoch.tile_order or tile_order())
        qs = source_queryset(epoch=epoch, model_version=mv)
        n = qs.count()
        if n == 0:
            others = sorted(
                set(
                    Source.objects.filter(epoch=epoch).values_list("model_version__name", flat=True)
                )
            )
            hint = f" (it has sources under: {', '.join(others)})" if others else ""
            raise CommandError(
                f"{epoch}: no sources under {mv.name}{hint}; run process_epoch {epoch.name} "
                "or pass --build"
            )
        fmt = o["format"]
        out = Path(o["output"] or f"sources_{epoch.survey.name}_{epoch.name}.{FORMATS[fmt][1]}")
        response = export_sources(
            fmt, qs, description=f"radiohost source catalogue, {epoch}, method {mv.name}"
        )
        with out.open("wb") as fh:
            for part in response.streaming_content:
                fh.write(part)
        self.stdout.write(f"{out}: {n} sources of {epoch} ({mv.name}, {fmt})")
