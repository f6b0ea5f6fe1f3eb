from rest_framework import serializers

from catalog.models import (
    Candidate,
    ClassPrediction,
    HostPrediction,
    Label,
    ModelVersion,
    OpticalSource,
    RadioComponent,
)


class SeparationMixin(serializers.Serializer):
    separation_arcsec = serializers.FloatField(read_only=True, required=False)


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


class LabelSerializer(serializers.ModelSerializer):
    """Creating a label is how relabelling works: pass ``supersedes`` to replace one."""

    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Label
        fields = "__all__"
        read_only_fields = ["author", "created_at"]
        # validate() explains which label already superseded it, instead of the
        # generic one-to-one uniqueness message.
        extra_kwargs = {"supersedes": {"validators": []}}

    def get_is_current(self, obj) -> bool:
        return not hasattr(obj, "superseded_by")

    def validate(self, attrs):
        old = attrs.get("supersedes")
        if old is not None and hasattr(old, "superseded_by"):
            raise serializers.ValidationError(
                {"supersedes": f"label {old.pk} is already superseded by {old.superseded_by.pk}"}
            )
        if not attrs.get("component") and not attrs.get("source"):
            raise serializers.ValidationError(
                {"component": "a label needs a component or a source"}
            )
        has_host = attrs.get("host") is not None or attrs.get("host_ra") is not None
        if attrs.get("no_host") and has_host:
            raise serializers.ValidationError({"no_host": "no_host=true cannot name a host"})
        if not attrs.get("no_host") and not has_host:
            raise serializers.ValidationError(
                {"host": "give a host, host_ra/host_dec, or no_host=true"}
            )
        return attrs


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
