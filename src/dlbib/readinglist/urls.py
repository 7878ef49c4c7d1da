"""What a URL found in a reading list points at: an arXiv paper, a DOI, a proceedings paper, a web
page, or nothing worth citing. Pure string work: no network, no BibTeX.

Also gives the comparison form of a URL (:func:`url_key`), so a link in a list and the ``url`` of
a library entry that differ only by scheme, ``www.``, a trailing slash or tracking parameters are
recognised as the same page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit

from dlbib.library.model import ArxivId

ARXIV_HOSTS: Final = frozenset(
    {"arxiv.org", "export.arxiv.org", "xxx.lanl.gov", "128.84.21.199", "browse.arxiv.org"}
)
"""Hosts that serve arXiv abs/pdf pages (128.84.21.199 is arXiv's Cornell address)."""

TRACKING_PARAMS: Final = frozenset(
    {
        "fbclid", "gclid", "ref", "ref_src", "referrer", "referrer_access_token",
        "tracking_referrer", "source", "spm", "mc_cid", "mc_eid", "_ga", "share", "sa", "ved",
        "ei", "usg", "bih", "biw", "feature", "si",
    }
)  # fmt: skip
"""Query parameters that say how a link was shared, not what it points at (plus ``utm_*``)."""

_GLUE = re.compile(r"(?:%5Cn|%0A|\\n|\s)+(?=https?://)|(?<=[^/:])(?=https?://)", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*_>"
_ARXIV_PATH = re.compile(
    r"^/+(?:abs|pdf|html|format|ftp/arxiv/papers/\d{4})/+(?P<id>.+?)/*$", re.IGNORECASE
)
_DOI_IN_PATH = re.compile(r"/doi/(?:abs/|full/|pdf/|pdfplus/|epdf/|book/)?(10\.\d{4,9}/[^?#]+)")
_NATURE = re.compile(
    r"^/(?:articles|nature/journal/v\d+/n\d+/(?:full|abs|pdf))/(nature\d+|s\d{5}-\d{3}-\d{5}-\w)"
)
_SPRINGER = re.compile(r"^/(?:chapter|article|book)/(10\.\d{4,9}/[^?#]+)")

IMAGE_SUFFIXES: Final = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".bmp")

SITE_NAMES: Final = {
    "github.com": "GitHub", "github.io": "GitHub Pages", "youtube.com": "YouTube",
    "youtu.be": "YouTube", "vimeo.com": "Vimeo", "coursera.org": "Coursera",
    "udacity.com": "Udacity", "edx.org": "edX", "quora.com": "Quora", "medium.com": "Medium",
    "wikipedia.org": "Wikipedia", "reddit.com": "Reddit", "kaggle.com": "Kaggle",
    "distill.pub": "Distill", "openai.com": "OpenAI", "deepmind.com": "DeepMind",
    "videolectures.net": "VideoLectures.NET", "techtalks.tv": "TechTalks.tv",
    "mendeley.com": "Mendeley", "nature.com": "Nature", "stanford.edu": "Stanford University",
}  # fmt: skip
"""Host (or registered domain) → the site's name, for ``howpublished``."""


@dataclass(frozen=True, slots=True)
class Proceedings:
    """A paper in an open proceedings archive, identified by the archive's own id."""

    archive: str
    """``pmlr``, ``jmlr``, ``nips``, ``neurips``, ``cvf`` or ``acl``."""
    ident: str
    """The archive's id, lower case: ``v37/jozefowicz15``, ``13/bergstra12a``, ``p15-1033``."""
    entry_type: str
    """``inproceedings`` or ``article``."""
    container: str
    """The booktitle (or journal) the archive implies."""
    volume: str | None = None

    @property
    def token(self) -> str:
        """A comparison token: ``pmlr:v37/jozefowicz15``."""
        return f"{self.archive}:{self.ident}"


def split_glued(raw: str) -> list[str]:
    """Split URLs written back to back (``a.pdf%5Cnhttp://b``, ``http://ahttp://b``)."""
    parts = [p for p in _GLUE.split(raw.strip()) if p]
    return [clean_url(p) for p in parts if clean_url(p)]


def clean_url(raw: str) -> str:
    """Strip surrounding space, wrapping parentheses and trailing sentence punctuation."""
    url = raw.strip().strip("<>")
    while url.startswith("(") and url.count("(") > url.count(")"):
        url = url[1:]
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    # "ttps://arxiv.org/…", "htps://…": a scheme that lost or doubled a letter
    return re.sub(
        r"^(?:ttps?|htps?|htttps?)://",
        lambda m: "https://" if "s" in m.group(0) else "http://",
        url,
    )


def host_of(url: str) -> str:
    """The lower-case host without ``www.`` (empty for relative links)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def arxiv_id_in_url(url: str) -> ArxivId | None:
    """The arXiv id of an abs/pdf URL on an arXiv host, or of an arXiv DOI link, or None."""
    host = host_of(url)
    if host in ("doi.org", "dx.doi.org"):  # arXiv's DataCite DOI: 10.48550/arXiv.<id>
        doi = unquote(urlsplit(url).path).lstrip("/")
        return ArxivId.find(doi) if doi.lower().startswith("10.48550/arxiv.") else None
    if host not in ARXIV_HOSTS:
        # a proxy or archive of an arXiv page: "sci-hub.tw/https://arxiv.org/abs/…"
        inner = re.search(r"https?:/+(?:www\.|export\.)?arxiv\.org/.+", url[8:])
        return arxiv_id_in_url(inner.group(0)) if inner else None
    m = _ARXIV_PATH.match(unquote(urlsplit(url).path))
    if not m:
        return None
    # "…/1112.6209.pdf&embed": whatever follows ".pdf" is junk
    return ArxivId.find(re.sub(r"(?i)\.pdf.*$|[&?].*$", "", m.group("id").strip()))


def doi_in_url(url: str) -> str | None:
    """The DOI a URL names: doi.org links, ``/doi/10.…`` paths, nature.com and Springer pages."""
    parts = urlsplit(url)
    host = host_of(url)
    path = unquote(parts.path)
    if host in ("doi.org", "dx.doi.org"):
        doi = path.lstrip("/")
        return doi if doi.startswith("10.") else None
    m = _DOI_IN_PATH.search(path)
    if m:
        return m.group(1).rstrip("/")
    if host.endswith("nature.com"):
        m = _NATURE.match(path)
        if m:
            return "10.1038/" + m.group(1)
    if host == "link.springer.com":
        m = _SPRINGER.match(path)
        if m:
            return m.group(1)
    return None


_CVF_VENUES: Final = {
    "cvpr": "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR)",
    "iccv": "Proceedings of the IEEE International Conference on Computer Vision (ICCV)",
    "eccv": "Proceedings of the European Conference on Computer Vision (ECCV)",
    "wacv": "Proceedings of the IEEE Winter Conference on Applications of Computer Vision (WACV)",
}
_ACL_VENUES: Final = {
    "p": "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
    "d": "Proceedings of the Conference on Empirical Methods in Natural Language Processing",
    "n": "Proceedings of the Conference of the North American Chapter of the Association for "
    "Computational Linguistics",
    "e": "Proceedings of the Conference of the European Chapter of the Association for "
    "Computational Linguistics",
    "c": "Proceedings of the International Conference on Computational Linguistics (COLING)",
    "k": "Proceedings of the Conference on Computational Natural Language Learning (CoNLL)",
    "w": "Proceedings of a Workshop of the Association for Computational Linguistics",
    "q": "Transactions of the Association for Computational Linguistics",
}
NEURIPS: Final = "Advances in Neural Information Processing Systems"


def _pmlr(host: str, path: str) -> Proceedings | None:
    if host == "proceedings.mlr.press" or (host == "jmlr.org" and "/proceedings/" in path):
        m = re.search(r"/v(\d+)/([\w.-]+?)(?:\.html|\.pdf|/[\w.-]*)?$", path)
        if m:
            return Proceedings(
                "pmlr", f"v{m.group(1)}/{m.group(2)}", "inproceedings",
                "Proceedings of Machine Learning Research", m.group(1),
            )  # fmt: skip
    return None


def _jmlr(host: str, path: str) -> Proceedings | None:
    m = re.search(r"/papers/(?:volume|v)(\d+)/([\w.-]+?)(?:/|\.html|\.pdf|$)", path)
    if host == "jmlr.org" and m:
        return Proceedings(
            "jmlr", f"{m.group(1)}/{m.group(2)}", "article",
            "Journal of Machine Learning Research", m.group(1),
        )  # fmt: skip
    return None


def _neurips(host: str, path: str) -> Proceedings | None:
    m = re.search(r"/paper/(\d+)-", path)
    if host == "papers.nips.cc" and m:
        return Proceedings("nips", m.group(1), "inproceedings", NEURIPS)
    m = re.search(r"/(?:hash|file)/([0-9a-f]{32})-", path)
    if host in ("papers.nips.cc", "proceedings.neurips.cc") and m:
        return Proceedings("neurips", m.group(1), "inproceedings", NEURIPS)
    return None


def _cvf(host: str, path: str) -> Proceedings | None:
    m = re.search(
        r"/content_([a-z]+)(?:_workshops)?_(\d{4})[^/]*/(?:.*/)?([\w.-]+?)(?:_paper)?\.(?:pdf|html)$",
        path,
    )
    if host in ("openaccess.thecvf.com", "cv-foundation.org") and m:
        venue = _CVF_VENUES.get(m.group(1), f"Proceedings of {m.group(1).upper()}")
        if "workshops" in path:
            venue += " Workshops"
        return Proceedings("cvf", m.group(3), "inproceedings", venue)
    return None


def _acl(host: str, path: str) -> Proceedings | None:
    m = re.search(r"/([a-z]\d{2}-\d{1,4})(?:\.pdf|/|$)", path)
    if host in ("aclweb.org", "anthology.aclweb.org", "aclanthology.org") and m:
        ident = m.group(1)
        kind = "article" if ident[0] == "q" else "inproceedings"
        return Proceedings("acl", ident, kind, _ACL_VENUES.get(ident[0], "ACL Anthology"))
    return None


def proceedings_of(url: str) -> Proceedings | None:
    """Recognise a paper page or PDF in PMLR, JMLR, NeurIPS, CVF open access or ACL Anthology."""
    host = host_of(url)
    path = re.sub(r"/+", "/", unquote(urlsplit(url).path).lower())
    for archive in (_pmlr, _jmlr, _neurips, _cvf, _acl):
        found = archive(host, path)
        if found:
            return found
    return None


def url_key(url: str) -> str:
    """The comparison form of a URL: no scheme, ``www.``, fragment, trailing slash, index page or
    tracking parameters; lower case. ``''`` when ``url`` is not an absolute http(s) URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https", "") or not parts.netloc:
        return ""
    host = host_of(url)
    if parts.port and parts.port not in (80, 443):
        host += f":{parts.port}"
    path = re.sub(r"/+", "/", unquote(parts.path))
    path = re.sub(r"/(?:index|default)\.(?:html?|php|aspx?)$", "/", path, flags=re.IGNORECASE)
    path = path.rstrip("/")
    params = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    ]
    if host in ("youtube.com", "m.youtube.com") and path == "/watch":
        params = [(k, v) for k, v in params if k == "v"]
    query = "&".join(f"{k}={v}" for k, v in sorted(params))
    return (host + path + ("?" + query if query else "")).lower()


def strip_tracking(url: str) -> str:
    """``url`` without tracking query parameters (``utm_*``, ``referrer_access_token``, …)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [
        piece
        for piece in parts.query.split("&")
        if piece.split("=", 1)[0].lower() not in TRACKING_PARAMS
        and not piece.lower().startswith("utm_")
    ]
    return parts._replace(query="&".join(kept)).geturl()


def is_image(url: str) -> bool:
    """True for links to image files (badges, figures)."""
    return unquote(urlsplit(url).path).lower().endswith(IMAGE_SUFFIXES)


def non_work_reason(url: str) -> str | None:
    """Why a link is not a citable work (anchors, images, search and profile pages), or None."""
    if url.startswith("#"):
        return "anchor within the list"
    if url.lower().startswith("mailto:"):
        return "e-mail address"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "not a web address (relative link)"
    if is_image(url):
        return "image"
    host = host_of(url)
    path = parts.path.rstrip("/")
    query = parse_qsl(parts.query)
    if (
        re.search(r"(^|\.)(google|bing|duckduckgo|yahoo|baidu)\.", host)
        and (path in ("", "/search", "/webhp") or any(k == "q" for k, _ in query))
    ) or (path.endswith("/search") and any(k in ("q", "query") for k, _ in query)):
        return "search page"
    if host.startswith("scholar.google.") and "citations" in path:
        return "profile page (Google Scholar)"
    segments = [s for s in path.split("/") if s]
    tweet = host in ("twitter.com", "x.com") and "/status/" in path
    if host in ("twitter.com", "x.com", "facebook.com", "linkedin.com", "instagram.com"):
        return None if tweet else "social media page"  # a tweet is a post, not a profile
    if host == "github.com" and len(segments) == 1:
        return "profile page (GitHub user)"
    if host == "github.com" and len(segments) >= 3 and segments[2] in ("pulls", "issues"):
        return "a repository's issue or pull-request page"
    if re.search(r"/(?:licen[cs]e|copying)(?:\.\w+)?$", path, re.IGNORECASE):
        return "a licence file, not a work"
    return _service_page(host, path.lower(), segments, parts.query.lower())


_CHAT_HOSTS: Final = ("discord.gg", "discord.com", "discordapp.com", "t.me", "telegram.me",
                      "join.slack.com", "slack.com", "gitter.im", "chat.whatsapp.com")  # fmt: skip
_NEWSLETTER: Final = re.compile(
    r"(?:^|\.)(?:substack\.com|list-manage\.com|eepurl\.com|mailchi\.mp|buttondown\.email"
    r"|revue\.co|beehiiv\.com)$"
)
_BADGE_HOSTS: Final = ("shields.io", "img.shields.io", "badgen.net", "badge.fury.io",
                       "awesome.re", "travis-ci.org", "travis-ci.com", "codecov.io",
                       "circleci.com", "zenodo.org/badge",
                       "colab.research.google.com/assets")  # fmt: skip
HUB_HOSTS: Final = ("huggingface.co", "hf.co", "modelscope.cn")


def _service_page(host: str, path: str, segments: list[str], query: str) -> str | None:
    """Share, subscribe, chat-invite, sign-in, badge and model-hub organisation pages."""
    if re.search(r"/(?:share|sharer|sharing)(?:\.php|/|$)", path) or path.startswith("/intent/"):
        return "a share link, not a work"
    if host == "plus.google.com" or host.endswith("addtoany.com"):
        return "a share link, not a work"
    if host in _CHAT_HOSTS and (host != "discord.com" or "invite" in path):
        return "a chat invitation, not a work"
    if host in _CHAT_HOSTS or (host.endswith("slack.com") and "join" in path):
        return "a chat invitation, not a work"
    if _NEWSLETTER.search(host) or re.search(r"/(?:subscribe|newsletter)(?:/|$)", path):
        return "a newsletter or subscription page, not a work"
    if re.search(r"/(?:login|signin|sign-in|signup|sign-up|register|join)(?:/|$)", path):
        return "a sign-in or sign-up page, not a work"
    if any((host + path).startswith(b) or host.endswith("." + b) for b in _BADGE_HOSTS):
        return "a badge, not a work"
    if "/badge" in path or path.endswith("/badge.svg"):
        return "a badge, not a work"
    if host in HUB_HOSTS and (
        len(segments) == 1 or (segments and segments[0] in ("organizations", "orgs", "users"))
    ):
        return "a model hub organisation or user page, not a work"
    if host == "orcid.org" or (host in ("dblp.org", "dblp.uni-trier.de") and "/pid/" in path):
        return "a profile page"
    return None


def site_name(url: str) -> str:
    """The site's name for ``howpublished``: a known name or the host (``timdettmers.com``)."""
    host = host_of(url)
    for domain, name in SITE_NAMES.items():
        if host == domain or host.endswith("." + domain):
            if domain == "github.io":
                return host
            return name
    return host


def web_type(url: str) -> str:
    """A ``type`` for a web item: ``Video``, ``Online course``, ``Blog post``, ``GitHub
    repository``, ``Blog`` or ``Website``."""
    host = host_of(url)
    path = urlsplit(url).path.lower().rstrip("/")
    segments = [s for s in path.split("/") if s]
    if host in ("youtube.com", "youtu.be", "vimeo.com", "videolectures.net", "techtalks.tv") or (
        "/video" in path
    ):
        return "Video"
    if host in ("coursera.org", "udacity.com", "edx.org") or "/course" in path:
        return "Online course"
    if host == "github.com" and len(segments) >= 2:
        return "GitHub repository"
    blogish = "blog" in host or host.endswith(("github.io", "medium.com")) or "blog" in path
    if re.search(r"/(?:19|20)\d{2}/\d{2}/", path + "/") or (blogish and segments):
        return "Blog post"
    if blogish:
        return "Blog"
    return "Website"


def slug_title(url: str) -> str:
    """A title made from the last path segment (``a-gentle-guide`` → ``A gentle guide``), or the
    host when the path has no words."""
    segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
    for segment in reversed(segments):
        stem = re.sub(r"\.(?:html?|php|aspx?|pdf|jl|py|js|rs|git)$", "", segment, flags=re.I)
        stem = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", stem)  # CamelCase repository names
        words = [w for w in re.split(r"[-_+\s]+", stem) if w]
        if words and any(re.fullmatch(r"[A-Za-z]{3,}", w) for w in words):
            text = " ".join(words)
            return text[0].upper() + text[1:]
    return host_of(url)
