"""The committed library.bib covers every work of the seed reading list, with its identifiers.

The table is written by hand from examples/readinglist/readinglist.md: each work the list recommends
(its link as the list gives it) and the entry that must stand for it. Incidental links (a
Google image search for "goldmine", people's home pages, Octave's site) are not works.
"""

from __future__ import annotations

import re

import pytest

from dlbib.library.bibfile import Library, load_library
from dlbib.library.model import ArxivId

from .conftest import REPO, SEED_LIST

PAPERS = {
    # key: (type, arXiv id or None, DOI or None, year)
    "lecun2015deep": ("article", None, "10.1038/nature14539", "2015"),
    "goodfellow2016deep": ("book", None, None, "2016"),
    "bishop2006pattern": ("book", None, None, "2006"),
    "bengio2012practical": ("incollection", "1206.5533", "10.1007/978-3-642-35289-8_26", "2012"),
    "bergstra2012random": ("article", None, None, "2012"),
    "he2015delving": ("inproceedings", "1502.01852", "10.1109/ICCV.2015.123", "2015"),
    "srivastava2014dropout": ("article", None, None, "2014"),
    "ioffe2015batch": ("inproceedings", "1502.03167", None, "2015"),
    "lipton2015critical": ("misc", "1506.00019", None, "2015"),
    "jozefowicz2015empirical": ("inproceedings", None, None, "2015"),
    "zaremba2014recurrent": ("misc", "1409.2329", None, "2014"),
    "sutskever2014sequence": ("inproceedings", "1409.3215", None, "2014"),
}

LINKS = {
    # the list's link -> the entry for that work
    "http://www.r2d3.us/": "yee2015visual",
    "https://blog.monkeylearn.com/a-gentle-guide-to-machine-learning/": "garretagentle",
    "https://www.coursera.org/learn/machine-learning": "ngmachine",
    "https://www.quora.com/topic/Machine-Learning": "quoramachine",
    "https://github.com/Vict0rSch/data_science_polytechnique": "schmidtdatasciencepolytechnique",
    "http://neuralnetworksanddeeplearning.com/": "nielsen2015neural",
    "http://cs231n.stanford.edu/syllabus.html": "li2016cs231n",
    "http://cs231n.github.io/": "stanfordcs231n",
    "https://www.udacity.com/course/deep-learning--ud730": "udacitydeep",
    "https://www.mendeley.com/dashboard/": "mendeleymendeley",
    "http://www.deeplearningbook.org/": "goodfellow2016deep",
    "http://arxiv.org/pdf/1206.5533v2.pdf": "bengio2012practical",
    "http://www.jmlr.org/papers/volume13/bergstra12a/bergstra12a.pdf": "bergstra2012random",
    "http://arxiv.org/pdf/1502.01852v1.pdf": "he2015delving",
    "https://www.cs.toronto.edu/~hinton/absps/JMLRdropout.pdf": "srivastava2014dropout",
    "http://arxiv.org/pdf/1502.03167v3.pdf": "ioffe2015batch",
    "http://karpathy.github.io/2015/05/21/rnn-effectiveness/": "karpathy2015unreasonable",
    "https://www.youtube.com/watch?v=56TYLaQN4N8&index=1&list=PL0NrLl_3fZQ0E5mJJisEP6ZQvHVHZd5b_":
        "freitasdeep",
    "http://colah.github.io/posts/2015-08-Understanding-LSTMs/": "olah2015understanding",
    "http://colah.github.io/posts/2014-07-NLP-RNNs-Representations/": "olah2014deep",
    "http://arxiv.org/pdf/1506.00019v4.pdf": "lipton2015critical",
    "http://jmlr.org/proceedings/papers/v37/jozefowicz15.pdf": "jozefowicz2015empirical",
    "http://arxiv.org/pdf/1409.2329v5.pdf": "zaremba2014recurrent",
    "http://papers.nips.cc/paper/5346-sequence-to-sequence-learning-with-neural-networks.pdf":
        "sutskever2014sequence",
    "http://research.microsoft.com/apps/video/?id=239083": "sutskever2014sequencea",
    "https://www.cs.toronto.edu/~ilya/pubs/": "sutskeverpublications",
    "http://cs.stanford.edu/people/karpathy/convnetjs/demo/mnist.html": "karpathyconvnetjs",
    "http://timdettmers.com/": "dettmerstim",
    "http://timdettmers.com/2014/08/14/which-gpu-for-deep-learning/": "dettmers2014which",
    "http://timdettmers.com/2014/10/09/deep-learning-data-parallelism/": "dettmers2014parallelize",
    "http://timdettmers.com/2014/11/09/model-parallelism-deep-learning/":
        "dettmers2014parallelizea",
    "http://timdettmers.com/2015/07/27/brain-vs-deep-learning-singularity/": "dettmers2015brain",
    "http://devblogs.nvidia.com/parallelforall/deep-learning-nutshell-history-training/":
        "dettmers2015deep",
    "http://devblogs.nvidia.com/parallelforall/deep-learning-nutshell-core-concepts/":
        "dettmers2015deepa",
    "https://github.com/ujjwalkarn/Machine-Learning-Tutorials": "karnmachine",
    "https://github.com/ChristosChristofidis/awesome-deep-learning": "christofidisawesome",
    "http://deeplearning.net/reading-list/": "deeplearningreading",
    "http://www.wildml.com": "wildmlwildml",
    "http://www.wildml.com/deep-learning-glossary/": "wildmldeep",
}  # fmt: skip

NOT_WORKS = {
    "https://github.com/Vict0rSch/Deep-Learning/pulls",  # "suggestions" to the list
    "http://www.andrewng.org/",
    "https://www.gnu.org/software/octave/",
    "http://michaelnielsen.org/",
    "http://googleresearch.blogspot.mx/2016/01/teach-yourself-deep-learning-with.html",
    "http://www.cs.ubc.ca/~nando/",
    "https://github.com/karpathy",
}

SECTIONS = [
    "Starting with Machine Learning",
    "Starting with Deep Learning",
    "Reading papers",
    "General Deep Learning papers and books",
    "On Recurrent Neural Networks",
    "Other",
    "Reading lists",
]


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(REPO / "library.bib")


def test_every_link_of_the_list_is_accounted_for() -> None:
    text = SEED_LIST.read_text(encoding="utf-8")
    links = set(re.findall(r"https?://[^\s)>\]]+", text))
    links = {link for link in links if "google.fr/search" not in link}  # an image search
    links = {link for link in links if "nature.com" not in link and "rmki.kfki.hu" not in link}
    unaccounted = links - set(LINKS) - NOT_WORKS
    assert unaccounted == set()


@pytest.mark.parametrize(("link", "key"), LINKS.items(), ids=LINKS.values())
def test_every_work_has_an_entry(library: Library, link: str, key: str) -> None:
    ref = library.get(key)
    assert ref.title
    assert ref.year
    assert ref.get("url") or ref.doi
    arxiv = ArxivId.find(link) if "arxiv.org" in link else None
    if arxiv:
        assert ref.arxiv_id is not None
        assert ref.arxiv_id.id == arxiv.id
        assert ref.get("eprint") == arxiv.id  # stored without version


@pytest.mark.parametrize(("key", "expected"), PAPERS.items(), ids=PAPERS.keys())
def test_papers_carry_their_identifiers(
    library: Library, key: str, expected: tuple[str, str | None, str | None, str]
) -> None:
    entry_type, arxiv, doi, year = expected
    ref = library.get(key)
    assert ref.entry_type == entry_type
    assert (ref.arxiv_id.id if ref.arxiv_id else None) == arxiv
    assert ref.doi == doi
    assert ref.year == year
    assert len(ref.authors) >= 1
    assert all("," in name for name in ref.authors)  # Family, Given: unambiguous
    if arxiv:
        assert ref.get("archiveprefix") == "arXiv"
        assert ref.get("primaryclass")


def test_sections_are_kept_as_keywords(library: Library) -> None:
    for ref in library.references:
        keywords = [k.strip() for k in (ref.get("keywords") or "").split(",")]
        assert keywords
        assert set(keywords) <= set(SECTIONS), ref.key


def test_the_list_is_corrected_where_wrong(library: Library) -> None:
    zaremba = library.get("zaremba2014recurrent")
    assert zaremba.year == "2014"
    assert "2015" in (zaremba.get("note") or "")  # says what the list said
    assert library.get("goodfellow2016deep").get("publisher") == "MIT Press"
    assert library.get("srivastava2014dropout").title == (
        "Dropout: A Simple Way to Prevent Neural Networks from Overfitting"
    )
