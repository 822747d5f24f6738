"""Wire shapes of the participation doors (codes English, no personal data in public shapes)."""

from __future__ import annotations

from rest_framework import serializers

from lianxin.org.models import Area
from lianxin.participation.models import (
    Candidate,
    Consultation,
    ConsultationKind,
    Dimension,
    Distribution,
    Electorate,
    Event,
    EventKind,
    Outcome,
    Poll,
    QuestionKind,
    Survey,
    SurveyQuestion,
)

MAX_ID = 2**63 - 1


class VoiceFields(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    code = serializers.CharField(required=False, allow_blank=True, max_length=10)


class PhoneCodeIn(serializers.Serializer):
    phone = serializers.CharField(max_length=20)


class QuestionIn(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    options = serializers.ListField(child=serializers.CharField(max_length=100), max_length=10)
    multiple = serializers.BooleanField(default=False)


class ConsultationIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=30, help_text="one of: " + ", ".join(ConsultationKind.values))
    body = serializers.CharField(max_length=50_000)
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    feedback_due = serializers.DateField(required=False)
    questions = QuestionIn(many=True, required=False)


class ConsultationOut(serializers.ModelSerializer):
    area = serializers.CharField(source="area.name")
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "title",
            "kind",
            "body",
            "area",
            "status",
            "opens_at",
            "closes_at",
            "feedback_due",
            "feedback_summary",
            "feedback_published_at",
            "comment_count",
        ]


class CommentIn(VoiceFields):
    body = serializers.CharField(max_length=100_000, trim_whitespace=False)


class CommentOut(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField()
    body = serializers.CharField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField()
    support_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    feedback = serializers.DictField(allow_null=True)


class ModerationIn(serializers.Serializer):
    hide = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class AnswersIn(VoiceFields):
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(min_value=-1, max_value=1000))
    )


class FeedbackIn(serializers.Serializer):
    comments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=10_000
    )
    outcome = serializers.CharField(max_length=30, help_text="one of: " + ", ".join(Outcome.values))
    reason = serializers.CharField(max_length=5000)


class FeedbackPublishIn(serializers.Serializer):
    summary = serializers.CharField(max_length=20_000)


class ActionIn(serializers.Serializer):
    action = serializers.CharField(max_length=40)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class CandidateIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)


class PollIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    electorate = serializers.CharField(
        max_length=30, help_text="one of: " + ", ".join(Electorate.values), default=Electorate.CITIZENS
    )
    electorate_size = serializers.IntegerField(required=False, min_value=1, max_value=10**8)
    max_choices = serializers.IntegerField(default=1, min_value=1, max_value=50)
    winners = serializers.IntegerField(default=1, min_value=1, max_value=50)
    candidates = CandidateIn(many=True)


class CandidateOut(serializers.ModelSerializer):
    class Meta:
        model = Candidate
        fields = ["id", "title", "description", "budget"]


class PollOut(serializers.ModelSerializer):
    candidates = CandidateOut(many=True)
    area = serializers.CharField(source="area.name")
    status = serializers.CharField(read_only=True)
    electorate = serializers.CharField(read_only=True)

    class Meta:
        model = Poll
        fields = [
            "id",
            "title",
            "description",
            "area",
            "status",
            "electorate",
            "max_choices",
            "winners",
            "opens_at",
            "closes_at",
            "candidates",
        ]


class VoteIn(VoiceFields):
    candidates = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=50
    )


class ResultsOut(serializers.Serializer):
    published = serializers.BooleanField()
    votes = serializers.IntegerField(allow_null=True)
    electorate = serializers.IntegerField(allow_null=True)
    turnout = serializers.FloatField(allow_null=True)
    candidates = serializers.ListField(child=serializers.DictField())


class EventIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=30, help_text="one of: " + ", ".join(EventKind.values))
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    place = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=100_000)


class EventOut(serializers.ModelSerializer):
    area = serializers.CharField(source="area.name")
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "kind",
            "description",
            "area",
            "place",
            "starts_at",
            "ends_at",
            "capacity",
            "confirmed_count",
            "status",
            "minutes",
            "decisions",
        ]


class SignUpIn(VoiceFields):
    name = serializers.CharField(required=False, allow_blank=True, max_length=60)


class SignUpOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    checkin_code = serializers.CharField(allow_blank=True)


class CheckInIn(serializers.Serializer):
    code = serializers.CharField(max_length=500)


class SurveyQuestionIn(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    kind = serializers.CharField(max_length=30, help_text="one of: " + ", ".join(QuestionKind.values))
    options = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=20
    )
    dimension = serializers.CharField(
        max_length=30, help_text="one of: " + ", ".join(Dimension.values), required=False, allow_blank=True
    )
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]  # the question's flag, not the serializer field's


class SurveyIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all())
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    distribution = serializers.CharField(
        max_length=30, help_text="one of: " + ", ".join(Distribution.values), default=Distribution.OPEN
    )
    weights = serializers.DictField(child=serializers.FloatField(), required=False)
    questions = SurveyQuestionIn(many=True)


class SurveyQuestionOut(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    dimension = serializers.CharField(read_only=True)

    class Meta:
        model = SurveyQuestion
        fields = ["id", "order", "text", "kind", "options", "dimension", "required"]


class SurveyOut(serializers.ModelSerializer):
    questions = SurveyQuestionOut(many=True)
    area = serializers.CharField(source="area.name")
    status = serializers.CharField(read_only=True)
    distribution = serializers.CharField(read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "title",
            "area",
            "status",
            "distribution",
            "period_start",
            "period_end",
            "weights",
            "response_count",
            "questions",
        ]


class RespondIn(VoiceFields):
    answers = serializers.DictField(child=serializers.JSONField())
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all(), required=False)
    token = serializers.CharField(required=False, allow_blank=True, max_length=40)


class IndexFigureOut(serializers.Serializer):
    area = serializers.CharField()
    n = serializers.IntegerField()
    published = serializers.BooleanField()
    index = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    dimensions = serializers.DictField(child=serializers.FloatField())


class IndexOut(serializers.Serializer):
    weights = serializers.DictField(child=serializers.FloatField())
    min_sample = serializers.IntegerField()
    total = IndexFigureOut()
    children = IndexFigureOut(many=True)
