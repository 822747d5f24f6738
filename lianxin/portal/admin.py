from django.contrib import admin

from lianxin.portal.models import Article, ArticleRevision, PortalCategory, SiteSettings, Tag


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    list_display = ("name", "description")


@admin.register(PortalCategory)
class PortalCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "order", "in_top_nav", "in_footer_nav")
    list_editable = ("order", "in_top_nav", "in_footer_nav")
    search_fields = ("name", "slug")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    can_delete = False
    fields = ("number", "action", "state", "actor", "note", "created_at")
    readonly_fields = fields


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-mostly: writing goes through the editors' pages (/portal/editor/) so that review and
    sanitising are never bypassed."""

    list_display = ("title", "category", "kind", "state", "published_at", "author", "view_count")
    list_filter = ("state", "kind", "category")
    search_fields = ("title", "source", "author_unit")
    date_hierarchy = "published_at"
    inlines = [RevisionInline]
    readonly_fields = [f.name for f in Article._meta.fields] + ["tags", "demand_categories"]

    def has_add_permission(self, request):
        return False
