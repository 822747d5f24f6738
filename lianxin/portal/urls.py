"""The publishing site under /portal/ (fixed words first; category slugs never take them, see RESERVED_SLUGS)."""

from django.urls import path, re_path

from lianxin.portal import editor, feeds, views

app_name = "portal"

SLUG = r"(?P<slug>[-\w]+)"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("related/", views.related, name="related"),
    path("feed/", feeds.LatestFeed(), name="feed"),
    path("feed/atom/", feeds.LatestAtomFeed(), name="feed_atom"),
    path("tag/<str:name>/", views.tag, name="tag"),
    # editors
    path("editor/", editor.home, name="editor_home"),
    path("editor/new/", editor.article_new, name="editor_new"),
    path("editor/import/", editor.article_import, name="editor_import"),
    path("editor/<int:pk>/", editor.article_detail, name="editor_article"),
    path("editor/<int:pk>/edit/", editor.article_edit, name="editor_edit"),
    path("editor/<int:pk>/preview/", editor.article_preview, name="editor_preview"),
    path("editor/<int:pk>/transition/", editor.article_transition, name="editor_transition"),
    # phone-width site (手机站)
    path("m/", views.home, {"mobile": True}, name="m_home"),
    re_path(rf"^m/{SLUG}/(?P<pk>\d+)\.html$", views.article, {"mobile": True}, name="m_article"),
    re_path(rf"^m/{SLUG}/$", views.category, {"mobile": True}, name="m_category"),
    # categories and articles
    re_path(rf"^{SLUG}/(?P<pk>\d+)\.html$", views.article, name="article"),
    re_path(rf"^{SLUG}/feed/$", feeds.CategoryFeed(), name="category_feed"),
    re_path(rf"^{SLUG}/atom/$", feeds.CategoryAtomFeed(), name="category_atom"),
    re_path(rf"^{SLUG}/$", views.category, name="category"),
]
