"""Input and output shapes of the help centre API, with bounds."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpcentre import markup
from helpcentre.models import Category, Download, Question
from helpcentre.selectors import QUERY_MAX


class QuestionQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=QUERY_MAX,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text=f"关键词（最多 {QUERY_MAX} 个字符，空格分隔的每个词都须出现）",
    )
    category = serializers.SlugField(max_length=60, required=False, help_text="分类的网址标识")


class DownloadQuerySerializer(serializers.Serializer):
    bank = serializers.RegexField(
        r"^[A-Z]{2,4}$", required=False, help_text="发卡银行代码（BOC、ICBC、CEB）"
    )


class QuestionLinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="问题页面的地址")

    class Meta:
        model = Question
        fields = ["slug", "title", "url"]

    def get_url(self, obj: Question) -> str:
        return reverse("help-question", args=[obj.slug])


class CategorySerializer(serializers.ModelSerializer):
    questions = QuestionLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "questions"]


class CategoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class QuestionListSerializer(QuestionLinkSerializer):
    category = CategoryBriefSerializer(read_only=True)
    excerpt = serializers.SerializerMethodField(help_text="解答开头的纯文本")

    class Meta:
        model = Question
        fields = ["slug", "title", "url", "category", "excerpt", "updated_at"]

    def get_excerpt(self, obj: Question) -> str:
        return markup.excerpt(obj.body)


class QuestionSerializer(QuestionListSerializer):
    body_html = serializers.SerializerMethodField(
        help_text="解答的 HTML（已转义，只含段落、列表、小标题、加粗和站内链接）"
    )

    class Meta:
        model = Question
        fields = ["slug", "title", "url", "category", "body", "body_html", "keywords",
                  "updated_at"]  # fmt: skip

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, obj: Question) -> str:
        return str(markup.render(obj.body))


class DownloadSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    bank_name = serializers.CharField(source="bank.name", read_only=True, default=None)
    url = serializers.SerializerMethodField(help_text="下载地址")

    class Meta:
        model = Download
        fields = ["slug", "title", "kind", "kind_label", "bank", "bank_name", "description",
                  "filename", "content_type", "size", "updated_at", "url"]  # fmt: skip

    def get_url(self, obj: Download) -> str:
        return reverse("help-download-file", args=[obj.slug])


class BankContactSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    hotline = serializers.CharField(help_text="银行客服热线：办卡、制卡进度、注销、保险查询")
    cutoff = serializers.TimeField(allow_null=True, help_text="每个工作日报送申请的时间")
    insurer = serializers.CharField(help_text="承保的保险公司")
    insurer_phone = serializers.CharField(help_text="保险报案电话")
    claim_steps = serializers.ListField(child=serializers.CharField())
    claim_address = serializers.CharField(help_text="理赔材料寄送地址")


class ContactSerializer(serializers.Serializer):
    hotline = serializers.CharField()
    email = serializers.EmailField()
    banks = BankContactSerializer(many=True)
    uniform_phone = serializers.CharField(help_text="服装厂商电话（另行购买服装）")
