"""The relabel serializer: a curator's POST to ``/api/labels/``, validated and written through the
one label writer (:mod:`catalog.labels.writer`, where the rules live)."""

from __future__ import annotations

from rest_framework import serializers

from catalog.labels.writer import shown_labeller
from catalog.models import Label


class LabelSerializer(serializers.ModelSerializer):
    """Relabelling: POST a new ``expert`` label; pass ``supersedes`` = the current label's id.

    Writes go through :func:`catalog.labels.writer.relabel` (the rules live there). ``origin`` may
    be omitted or ``expert``; labellers' usernames are shown to curators only.
    """

    is_current = serializers.SerializerMethodField()
    origin = serializers.ChoiceField(choices=Label.Origin.choices, required=False)
    host_ra = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=360)
    host_dec = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    consensus_level = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=1
    )
    component = serializers.IntegerField(source="component_id", required=True, min_value=1)
    host = serializers.IntegerField(source="host_id", required=False, allow_null=True, min_value=1)
    supersedes = serializers.IntegerField(
        source="supersedes_id", required=False, allow_null=True, min_value=1
    )
    source = serializers.IntegerField(source="source_id", read_only=True, allow_null=True)
    author = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    class Meta:
        model = Label
        fields = [
            "id",
            "component",
            "source",
            "host",
            "host_ra",
            "host_dec",
            "no_host",
            "origin",
            "consensus_level",
            "match_separation_arcsec",
            "host_match_separation_arcsec",
            "author",
            "author_name",
            "reason",
            "created_at",
            "supersedes",
            "is_current",
        ]
        read_only_fields = ["created_at", "match_separation_arcsec", "host_match_separation_arcsec"]

    def get_is_current(self, obj) -> bool:
        return not hasattr(obj, "superseded_by")

    def _shown(self, obj) -> tuple[str | None, str]:
        username = obj.author.get_username() if obj.author_id else None
        return shown_labeller(
            obj.origin,
            username,
            obj.author_name,
            getattr(self.context.get("request"), "user", None),
        )

    def get_author(self, obj) -> str | None:
        return self._shown(obj)[0]

    def get_author_name(self, obj) -> str:
        return self._shown(obj)[1]

    def to_internal_value(self, data):
        # A misspelt field (``consensus``, ``supersedes_id``) was silently dropped and the label
        # stored without it; the label store is the retraining feed, so name it instead.
        if hasattr(data, "keys"):
            unknown = sorted(str(k) for k in data.keys() if k not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {
                        k: [f"unknown field; a label takes: {', '.join(self._writable())}"]
                        for k in unknown
                    }
                )
        return super().to_internal_value(data)

    def _writable(self) -> list[str]:
        return [n for n, f in self.fields.items() if not f.read_only]

    def validate_origin(self, value):
        if value != Label.Origin.EXPERT:
            raise serializers.ValidationError(
                f"labels written through the API are 'expert' labels; {value!r} labels come "
                "from their catalogue's ingest"
            )
        return value
