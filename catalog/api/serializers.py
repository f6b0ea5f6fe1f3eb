"""API serializers. The component answer's parts mirror :mod:`catalog.read.answers`'s dataclasses
field by field, so the OpenAPI schema states exactly what the responses hold."""

from __future__ import annotations

from rest_framework import serializers

from catalog.labels.writer import shown_labeller
from catalog.models import (
    Candidate,
    ClassPrediction,
    Epoch,
    EpochDiff,
    EpochDiffEntry,
    HostPrediction,
    ModelVersion,
    OpticalSource,
    RadioComponent,
)
from catalog.read.answers import PHOTOMETRY
from catalog.read.provenance import provenance


class SeparationMixin(serializers.Serializer):
    separation_arcsec = serializers.SerializerMethodField(
        help_text="Distance from the cone centre (arcsec); null outside a cone search."
    )

    def get_separation_arcsec(self, obj) -> float | None:
        return getattr(obj, "separation_arcsec", None)


class RadioComponentSerializer(SeparationMixin, serializers.ModelSerializer):
    survey = serializers.CharField(source="epoch.survey.name", read_only=True)
    epoch_name = serializers.CharField(source="epoch.name", read_only=True)

    class Meta:
        model = RadioComponent
        exclude = ["extra"]
        read_only_fields = ["hpx"]


class OpticalSourceSerializer(SeparationMixin, serializers.ModelSerializer):
    class Meta:
        model = OpticalSource
        fields = "__all__"
        read_only_fields = ["hpx"]


class CandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Candidate
        fields = "__all__"


class ModelVersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CandidateAnswerSerializer(serializers.Serializer):
    """A ranked candidate (catalog.read.answers.CandidateAnswer)."""

    candidate_id = serializers.IntegerField(
        allow_null=True, help_text="None: not stored (beyond the top-K; listed with ?full=1)."
    )
    optical_id = serializers.IntegerField()
    catalogue = serializers.CharField()
    source_id = serializers.CharField()
    ra = serializers.FloatField(help_text="ICRS (deg).")
    dec = serializers.FloatField(help_text="ICRS (deg).")
    separation_arcsec = serializers.FloatField(help_text="From the component (arcsec).")
    dx_px = serializers.FloatField(help_text="Cutout column offset (px, 1″/px).")
    dy_px = serializers.FloatField(help_text="Cutout row offset (px, 1″/px).")
    likelihood = serializers.FloatField(allow_null=True, help_text="Host likelihood (seed §4.2).")
    rank = serializers.IntegerField(allow_null=True)
    is_positive = serializers.BooleanField(allow_null=True)
    is_prime = serializers.BooleanField(allow_null=True)
    reliability = serializers.FloatField(
        allow_null=True,
        help_text="Likelihood-ratio reliability P(this is the host), with a no-counterpart "
        "term (the per-field posterior for versions that do not store it).",
    )
    p_galaxy = serializers.FloatField(allow_null=True)
    p_qso = serializers.FloatField(allow_null=True)
    p_star = serializers.FloatField(allow_null=True)
    for _f in PHOTOMETRY:
        locals()[_f] = serializers.FloatField(allow_null=True, help_text="(mag)")
    del _f

    def to_representation(self, obj):
        data = {k: getattr(obj, k) for k in self.fields if not k.endswith("_mag")}
        data.update(obj.photometry)
        return data


class LabelAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    origin = serializers.CharField()
    host_id = serializers.IntegerField(allow_null=True)
    host_ra = serializers.FloatField(allow_null=True)
    host_dec = serializers.FloatField(allow_null=True)
    no_host = serializers.BooleanField()
    consensus_level = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    author = serializers.CharField(allow_null=True, help_text="Username; curators only.")
    author_name = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    supersedes_id = serializers.IntegerField(allow_null=True)
    is_current = serializers.BooleanField()

    def to_representation(self, obj):
        data = super().to_representation(obj)
        data["author"], data["author_name"] = shown_labeller(
            obj.origin,
            data["author"],
            data["author_name"],
            getattr(self.context.get("request"), "user", None),
        )
        return data


class HostRowSerializer(serializers.Serializer):
    """A host-catalogue row (catalog.read.host_catalogue.HostRow) with its component's identity."""

    component_id = serializers.IntegerField()
    component_name = serializers.CharField()
    component_ra = serializers.FloatField(help_text="ICRS (deg).")
    component_dec = serializers.FloatField(help_text="ICRS (deg).")
    survey = serializers.CharField()
    epoch = serializers.CharField()
    model_version_id = serializers.IntegerField(allow_null=True)
    optical_id = serializers.IntegerField(allow_null=True)
    catalogue = serializers.CharField(allow_null=True)
    source_id = serializers.CharField(allow_null=True)
    ra = serializers.FloatField(allow_null=True, help_text="Host RA, ICRS (deg).")
    dec = serializers.FloatField(allow_null=True, help_text="Host Dec, ICRS (deg).")
    separation_arcsec = serializers.FloatField(allow_null=True, help_text="Host ↔ component.")
    likelihood = serializers.FloatField(allow_null=True)
    reliability = serializers.FloatField(allow_null=True)
    p_no_host = serializers.FloatField(
        allow_null=True, help_text="Probability that none of the candidates is the host."
    )
    no_host = serializers.BooleanField(
        help_text="No host found: p_no_host exceeds the best candidate's reliability."
    )
    is_positive = serializers.BooleanField(allow_null=True)
    is_prime = serializers.BooleanField(allow_null=True)
    n_candidates = serializers.IntegerField()
    cone_separation_arcsec = serializers.FloatField(
        allow_null=True, help_text="Component ↔ cone centre (arcsec); null outside a cone."
    )


class EpochEntrySerializer(serializers.Serializer):
    epoch_id = serializers.IntegerField()
    survey = serializers.CharField()
    epoch = serializers.CharField()
    epoch_state = serializers.CharField()
    component_id = serializers.IntegerField()
    component_name = serializers.CharField()
    separation_arcsec = serializers.FloatField()
    change = serializers.CharField(
        allow_null=True,
        help_text="Epoch diff vs the previous epoch: new, host_changed, host_lost, host_found, "
        "reliability_changed, or null (unchanged / no diff).",
    )
    host_optical_id = serializers.IntegerField(allow_null=True, source="host.optical_id")
    host_likelihood = serializers.FloatField(allow_null=True, source="host.likelihood")
    host_reliability = serializers.FloatField(allow_null=True, source="host.reliability")


class SourceComponentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    ra = serializers.FloatField()
    dec = serializers.FloatField()
    total_flux_mjy = serializers.FloatField(allow_null=True)
    peak_flux_mjy = serializers.FloatField(allow_null=True)


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    origin = serializers.CharField()
    ra = serializers.FloatField()
    dec = serializers.FloatField()
    morphology = serializers.CharField(allow_blank=True)
    components = SourceComponentSerializer(many=True)


class ComponentDetailSerializer(RadioComponentSerializer):
    """The whole answer for a component in one call (catalog.read.answers.ComponentAnswer)."""

    model_version = ModelVersionRefSerializer(allow_null=True, read_only=True)
    classifier_version = ModelVersionRefSerializer(allow_null=True, read_only=True)
    host = CandidateAnswerSerializer(allow_null=True, read_only=True)
    candidates = CandidateAnswerSerializer(many=True, read_only=True)
    label = LabelAnswerSerializer(allow_null=True, read_only=True)
    labels = LabelAnswerSerializer(many=True, read_only=True)
    source_detail = SourceSerializer(allow_null=True, read_only=True)
    p_no_host = serializers.FloatField(allow_null=True, read_only=True, help_text="P(no host).")
    no_host = serializers.BooleanField(
        read_only=True, help_text="No host found: p_no_host > the best candidate's reliability."
    )
    epochs = EpochEntrySerializer(many=True, read_only=True)
    provenance = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        read_only=True,
        help_text="What this answer is: simulated or real, epoch, method and its real-data "
        "figures, software version, date (catalog.read.provenance).",
    )

    class Meta(RadioComponentSerializer.Meta):
        pass

    def to_representation(self, answer):
        ctx = self.context
        data = RadioComponentSerializer(context=ctx).to_representation(answer.component)
        data["model_version"] = (
            None
            if answer.model_version is None
            else {"id": answer.model_version.pk, "name": answer.model_version.name}
        )
        data["classifier_version"] = (
            None
            if answer.classifier_version is None
            else {"id": answer.classifier_version.pk, "name": answer.classifier_version.name}
        )
        cand = CandidateAnswerSerializer(context=ctx)
        data["host"] = None if answer.host is None else cand.to_representation(answer.host)
        data["p_no_host"] = answer.p_no_host
        data["no_host"] = answer.no_host
        data["candidates"] = [cand.to_representation(c) for c in answer.candidates]
        lab = LabelAnswerSerializer(context=ctx)
        data["label"] = None if answer.label is None else lab.to_representation(answer.label)
        data["labels"] = [lab.to_representation(x) for x in answer.labels]
        src = answer.component.source
        data["source_detail"] = (
            None
            if src is None
            else {
                "id": src.pk,
                "name": src.name,
                "origin": src.origin,
                "ra": src.ra,
                "dec": src.dec,
                "morphology": src.morphology,
                "components": answer.source_components,
            }
        )
        data["epochs"] = EpochEntrySerializer(answer.epochs, many=True).data
        data["provenance"] = provenance(
            epochs=[answer.component.epoch], model_version=answer.model_version
        )
        return data


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = "__all__"


class ClassPredictionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassPrediction
        fields = "__all__"


class HostPredictionSerializer(serializers.ModelSerializer):
    class Meta:
        model = HostPrediction
        fields = "__all__"


class EpochSerializer(serializers.ModelSerializer):
    """An epoch with its pipeline state and progress (``Epoch.progress``)."""

    survey = serializers.CharField(source="survey.name", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Epoch
        fields = [
            "id",
            "survey",
            "name",
            "catalogue_version",
            "observed_start",
            "observed_end",
            "processed_at",
            "state",
            "state_changed_at",
            "error",
            "model_version",
            "progress",
        ]

    def get_progress(self, obj) -> dict:
        p = dict(obj.progress)
        p["fraction"] = (obj.tiles_done / obj.tiles_total) if obj.tiles_total else None
        return p


class EpochDiffEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = EpochDiffEntry
        exclude = ["diff"]


class EpochDiffSerializer(serializers.ModelSerializer):
    summary = serializers.DictField(read_only=True)

    class Meta:
        model = EpochDiff
        fields = ["id", "epoch_a", "epoch_b", "model_version", "created_at", "summary"]
