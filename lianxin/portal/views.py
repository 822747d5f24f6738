"""Public pages of the publishing site. The article page is cached per article, device and language
for anonymous readers; the view count and the CSRF token are filled into the cached HTML per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from lianxin.core.errors import NotFound
from lianxin.core.params import as_id, as_page
from lianxin.portal import counter, selectors
from lianxin.portal.services import content_generation

COUNT_MARK = "@@LX_VIEWS@@"
CSRF_MARK = "@@LX_CSRF@@"
COUNT_MARK_BYTES = COUNT_MARK.encode()
CSRF_MARK_BYTES = CSRF_MARK.encode()
PER_PAGE = 20
T = TypeVar("T")


def page_cache_seconds() -> int:
    return int(settings.LIANXIN_PORTAL_PAGE_CACHE_SECONDS)


def nav_context(*, mobile: bool) -> dict[str, object]:
    """What every page of the site shows around its content (also the editor's preview)."""
    nav = selectors.navigation_get()
    return {"portal_site": nav.site, "top_nav": nav.top, "footer_nav": nav.footer, "mobile": mobile}


def template_for(name: str, mobile: bool) -> str:
    return f"portal/m/{name}" if mobile else f"portal/{name}"


def or_404(get: Callable[..., T], *args: object) -> T:
    """`get(*args)`, a selector, with its NotFound shown as the 404 page (its message kept)."""
    try:
        return get(*args)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _page(request: HttpRequest, queryset, per_page: int = PER_PAGE):
    number = as_page(request.GET.get("page"))
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(number)


@require_GET
def home(request: HttpRequest, mobile: bool = False) -> HttpResponse:
    context = {
        **nav_context(mobile=mobile),
        "sections": selectors.home_sections(),
        "latest": selectors.latest_articles(limit=8),
    }
    return render(request, template_for("home.html", mobile), context)


@require_GET
def category(request: HttpRequest, slug: str, mobile: bool = False) -> HttpResponse:
    section = or_404(selectors.category_get, slug)
    page = _page(request, selectors.category_article_list(section))
    context = {**nav_context(mobile=mobile), "category": section, "page_obj": page}
    return render(request, template_for("category.html", mobile), context)


@require_GET
def tag(request: HttpRequest, name: str) -> HttpResponse:
    found = or_404(selectors.tag_get, name)
    page = _page(request, selectors.tag_article_list(found))
    return render(request, "portal/tag.html", {**nav_context(mobile=False), "tag": found, "page_obj": page})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    number = as_page(request.GET.get("page"))
    result = selectors.article_search(query, page=number) if query.strip() else None
    return render(request, "portal/search.html", {**nav_context(mobile=False), "q": query, "result": result})


@require_GET
def related(request: HttpRequest) -> HttpResponse:
    """The 相关政策 box as an HTML fragment (for HTMX on the demand form and reply form)."""
    category_id = as_id(request.GET.get("category"))
    text = (request.GET.get("text") or request.GET.get("title") or "")[:300]
    policies = selectors.related_policies(category=category_id, text=text)
    return render(request, "portal/_related_policies.html", {"policies": policies})


# --- the article page ------------------------------------------------------------------------------


def _render_article(request: HttpRequest, pk: int, mobile: bool) -> bytes:
    """The page as cached: b"<category slug>\n<html with the count and CSRF placeholders>"."""
    article = or_404(selectors.article_get_public, pk)
    previous, following = selectors.previous_next(article)
    context = {
        **nav_context(mobile=mobile),
        "article": article,
        "tags": list(article.tags.all()),
        "related": selectors.related_articles(article),
        "previous": previous,
        "next": following,
        "view_count": COUNT_MARK,
        "csrf_token": CSRF_MARK,
    }
    html = render_to_string(template_for("article.html", mobile), context, request)
    return article.category.slug.encode() + b"\n" + html.encode()


def _reader(request: HttpRequest) -> tuple[str | None, str | None]:
    """(token sent by the browser, token to set) for the reader cookie."""
    token = request.COOKIES.get(counter.READER_COOKIE)
    if counter.valid_reader_token(token):
        return token, None
    return None, counter.new_reader_token()


def _cacheable(request: HttpRequest) -> bool:
    """Anonymous and without pending messages. Without a session or messages cookie both are certain, so
    the session is not even loaded (the common case: a reader from a search engine or a shared link)."""
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies:
        return True
    return not request.user.is_authenticated and not len(messages.get_messages(request))


def _page_key(pk: int, mobile: bool) -> str:
    return f"portal:article-page:{content_generation()}:{pk}:{'m' if mobile else 'd'}:{get_language()}"


def article(request: HttpRequest, slug: str, pk: int, mobile: bool = False) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    response = _article(request, slug, pk, mobile, cached_only=False)
    assert response is not None
    return response


def article_cached(request: HttpRequest, slug: str, pk: int, mobile: bool = False) -> HttpResponse | None:
    """The article page when it can be answered from the page cache alone (an anonymous reader, the page
    cached), with its read counted exactly as `article` counts it; None otherwise. For the fast path in
    front of the middleware (`lianxin.portal.fastpath`), which leaves every other case to the view."""
    cookies = request.COOKIES
    if request.method not in ("GET", "HEAD") or {
        settings.SESSION_COOKIE_NAME,
        CookieStorage.cookie_name,
    } & set(cookies):
        return None  # a session or messages to show: the full stack decides
    return _article(request, slug, pk, mobile, cached_only=True)


def _article(
    request: HttpRequest, slug: str, pk: int, mobile: bool, *, cached_only: bool
) -> HttpResponse | None:
    cacheable = _cacheable(request)
    page_key = _page_key(pk, mobile)
    reader, new_reader = _reader(request)
    countable = request.method == "GET" and not counter.is_bot(request.META.get("HTTP_USER_AGENT", ""))
    page: bytes | None = None
    read = None
    if cacheable:
        # On Redis: the page and the counted read in one round trip (a miss counts nothing).
        read = counter.page_read(
            article_id=pk,
            page_key=page_key,
            slug=slug,
            count=countable,
            reader=reader,
            fingerprint=lambda: counter.client_fingerprint(request),
            new_reader=new_reader,
        )
        page = read.page if read is not None else counter.page_get(page_key)
    if page is None:
        if cached_only:
            return None
        page = _render_article(request, pk, mobile)
        if cacheable:
            counter.page_store(page_key, page, page_cache_seconds())
    page_slug, _, body = page.partition(b"\n")
    if page_slug != slug.encode():
        name = "portal:m_article" if mobile else "portal:article"
        return HttpResponsePermanentRedirect(reverse(name, kwargs={"slug": page_slug.decode(), "pk": pk}))

    count = None
    if read is not None and read.checked:
        count = read.total
    elif countable:
        count = counter.view_record(
            article_id=pk,
            reader=reader,
            fingerprint=counter.client_fingerprint(request),
            new_reader=new_reader,
        )
    if count is None:
        count = counter.views_total(pk)
    # An anonymous reader's page has no form to post (the language switch is a link), so it carries no
    # CSRF token and sets no CSRF cookie: the page is the same for every reader but for the count, which
    # a cache in front can serve as is (docs/scale.md §5), and no secret is drawn per read.
    token = b"" if cacheable else get_token(request).encode()
    html = body.replace(COUNT_MARK_BYTES, str(count).encode()).replace(CSRF_MARK_BYTES, token)
    response = HttpResponse(html)
    if new_reader:
        response.set_cookie(
            counter.READER_COOKIE,
            new_reader,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /portal/editor/",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /accounts/",
        "Allow: /portal/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
