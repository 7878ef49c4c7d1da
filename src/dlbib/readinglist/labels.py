"""What a link's text says about the link: a label naming the work's own file or page (``[pdf]``,
``[Paper]``, ``[DOI]``), a label naming a secondary resource kept as a field on the work
(``[Code]`` → ``codeurl``, ``[Slides]`` → ``slidesurl``, …), or a call to action that is not a
work at all (``Share on Google Plus``, ``Subscribe to our newsletter``, ``Join our Discord``).
"""

from __future__ import annotations

import re
from typing import Final

_MAIN: Final = frozenset(
    w.strip()
    for w in [
        "pdf",
        "html",
        "web",
        "link",
        "url",
        "paper",
        "papers",
        "arxiv",
        "abs",
        "abstract",
        "doi",
        "preprint",
        "full text",
        "fulltext",
        "openreview",
        "acm",
        "acm dl",
        "ieee",
        "springer",
        "proceedings",
        "thesis",
        "report",
        "tech report",
        "article",
        "download",
        "journal",
        "publication",
        "ebook",
        "book",
        "amazon",
        "website",
        "site",
        "page",
        "homepage",
        "home page",
        "paper link",
        "pdf link",
        "online",
        "read",
        "here",
        "this",
        "pmlr",
        "jmlr",
        "semantic scholar",
        "pubmed",
        "biorxiv",
        "medrxiv",
        "ssrn",
        "hal",
        "researchgate",
        "ps",
        "postscript",
        "html version",
        "pdf version",
        "arxiv version",
        "official version",
    ]
)
SECONDARY: Final = {
    "codeurl": ("code", "github", "gitlab", "source code", "implementation", "pytorch",
                "tensorflow", "jax", "repo", "repository", "official code", "poc", "github/poc",
                "unofficial code", "code & data", "code and data", "software", "keras"),
    "slidesurl": ("slides", "slide", "poster", "talk slides", "ppt", "pptx", "deck"),
    "projecturl": ("project", "project page", "projects", "webpage", "project website"),
    "videourl": ("video", "videos", "youtube", "talk", "recording", "lecture", "presentation"),
    "dataseturl": ("dataset", "data", "datasets", "benchmark", "data set"),
    "demourl": ("demo", "web demo", "colab", "notebook", "playground", "spaces", "space",
                "online demo", "live demo", "hugging face demo", "huggingface demo"),
    "blogurl": ("blog", "blog post", "post", "blogpost", "news", "press", "article summary"),
    "tweeturl": ("tweet", "twitter", "thread", "x", "x thread"),
    "modelsurl": ("models", "model", "weights", "checkpoints", "huggingface", "hugging face",
                  "model card"),
}  # fmt: skip
"""BibTeX field → the link texts that name that secondary resource of a work."""
_FIELD_OF: Final = {label: name for name, labels in SECONDARY.items() for label in labels}

LABEL_WORDS: Final = frozenset(
    {w for label in _MAIN | set(_FIELD_OF) for w in label.split()} - {"this", "read", "here"}
)
"""Every word of a label: never a key's title word, never a title on its own."""

_CALL_TO_ACTION: Final = re.compile(
    r"(?i)^\W*(?:share\b|tweet this|subscribe|sign[\s-]?up|sign[\s-]?in|log[\s-]?in|register\b"
    r"|join\b.*\b(?:discord|slack|telegram|community|server|newsletter|us)\b|follow\b|newsletter"
    r"|get the newsletter|buy me a coffee|sponsor|donate|star this|fork me|edit on github"
    r"|back to top|table of contents|contents$|top$)"
)


def label_of(text: str) -> str:
    """A link's text as a label: lower case, without brackets, emphasis, emoji shortcodes."""
    bare = re.sub(r":[a-z_]+:|[\[\]()`*_]|[^\w\s/&.+-]", " ", text).lower()
    return " ".join(bare.split()).strip(" .")


_DATE_LABEL: Final = re.compile(r"(?:\d{1,2}\s+)?(?:[A-Z][a-z]{2,8}\.?\s+)?(?:19|20)\d{2}")
_VENUE_LABEL: Final = re.compile(r"(?:[A-Za-z&+-]{2,12}\s?){1,3}(?:'\s*\d{2}|(?:19|20)\d{2})")
"""Link texts that are a date (``[[17 Nov 2022]](…)``) or a venue and year (``[[CVPR2018]](…)``,
``NIPS' 15``): the work's own link, not a title."""

_MAIN_WORDS: Final = frozenset(
    {w for label in _MAIN for w in label.split()} | {"chapter", "free", "version", "full", "copy"}
)


def is_main_label(text: str) -> bool:
    """True when the link text only says it is the work's file or page (``[pdf]``, ``Paper``,
    ``Book (Amazon)``, ``Book Chapter``)."""
    label = label_of(text)
    if label in _MAIN or re.fullmatch(r"(?:pdf|paper|arxiv|link)\s*\d*", label):
        return True
    bare = re.sub(r"[\[\]()`*_]", " ", text).strip()
    if len(bare) <= 40 and (
        _DATE_LABEL.fullmatch(bare)
        or (_VENUE_LABEL.fullmatch(bare) and sum(map(str.isupper, bare)) >= 2)
    ):
        return True
    words = label.split()
    return 1 < len(words) <= 3 and words[0] in _MAIN and set(words) <= _MAIN_WORDS


_FRAMEWORKS: Final = frozenset(
    [
        "pytorch",
        "tensorflow",
        "tf",
        "tf2",
        "caffe",
        "caffe2",
        "torch",
        "keras",
        "mxnet",
        "chainer",
        "jax",
        "flax",
        "theano",
        "matlab",
        "c",
        "cpp",
        "c++",
        "python",
        "lua",
        "paddle",
        "paddlepaddle",
        "mindspore",
        "darknet",
        "lasagne",
        "cuda",
        "julia",
        "java",
        "scala",
    ]
)
_QUALIFIERS: Final = frozenset(
    [
        "official",
        "unofficial",
        "original",
        "the",
        "our",
        "author",
        "authors",
        "s",
        "third",
        "party",
        "3rd",
        "re",
        "reimplementation",
        "implementation",
        "version",
        "page",
        "link",
        "here",
        "and",
        "&",
        "-",
        "+",
        "/",
    ]
)
_FIELD_WORDS: Final = {
    name: frozenset(label for label in labels if " " not in label) - _QUALIFIERS
    | (_FRAMEWORKS if name == "codeurl" else frozenset())
    for name, labels in SECONDARY.items()
}


def secondary_field(text: str) -> str | None:
    """The field a secondary link goes in (``[Code]`` → ``codeurl``), or None.

    Besides the labels of ``SECONDARY``, a label made only of one field's words and qualifiers
    names that field: ``official code - caffe``, ``Pytorch(Official)``, ``TF code``.
    """
    label = label_of(text)
    if label in _FIELD_OF:
        return _FIELD_OF[label]
    first = label.split(" ")[0] if label else ""
    if first in ("code", "github", "video", "slides", "demo", "dataset", "tweet", "blog"):
        return _FIELD_OF[first]
    words = set(re.findall(r"[a-z0-9+]+", label))
    for name, vocab in _FIELD_WORDS.items():
        if words & vocab and words <= vocab | _QUALIFIERS:
            return name
    if words - _QUALIFIERS and words <= set().union(*_FIELD_WORDS.values()) | _QUALIFIERS:
        # "Model&Code", "Code + Data": several secondary things; the first named decides
        first_word = next(w for w in re.findall(r"[a-z0-9+]+", label) if w not in _QUALIFIERS)
        return next(n for n, vocab in _FIELD_WORDS.items() if first_word in vocab)
    return None


def is_label(text: str) -> bool:
    """True for any label text, main or secondary (never a title)."""
    return is_main_label(text) or secondary_field(text) is not None


def call_to_action_reason(text: str) -> str | None:
    """Why a link with this text is not a work (share, subscribe, join, sign up), or None."""
    if _CALL_TO_ACTION.search(label_of(text)) or _CALL_TO_ACTION.search(text.strip()):
        return "a share, subscribe, sign-up or chat-invite link, not a work"
    return None
