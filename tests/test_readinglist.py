"""Extraction from reading lists: real lines from the seed list and the awesome list, with the
references they cite written out by hand; file errors; formats; sections; ignored links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dlbib.errors import ReadingListError
from dlbib.readinglist.read import (
    MENTION,
    Candidate,
    detect_format,
    parse_reading_list,
    read_reading_list,
)

from .conftest import READINGLISTS, SEED_LIST

SEED = SEED_LIST
AWESOME = READINGLISTS / "awesome-deep-learning-papers.md"


def summary(c: Candidate) -> dict[str, Any]:
    """The parts of a candidate a test states by hand (empty ones left out)."""
    cit = c.citation
    data: dict[str, Any] = {
        "kind": c.kind,
        "arxiv": str(c.arxiv_id) if c.arxiv_id else None,
        "doi": c.doi,
        "proc": c.proceedings.token if c.proceedings else None,
        "title": c.title,
        "authors": list(cit.authors) if cit else None,
        "et_al": (cit.et_al or None) if cit else None,
        "year": cit.year if cit else None,
        "journal": cit.journal if cit else None,
        "booktitle": cit.booktitle if cit else None,
        "book": (cit.book or None) if cit else None,
        "url": c.url,
    }
    return {k: v for k, v in data.items() if v is not None}


def extract(text: str, name: str = "list.md") -> list[dict[str, Any]]:
    return [summary(c) for c in parse_reading_list(text, Path(name)).candidates]


SEED_LINES = [
    pytest.param(
        "1. **[Deep Learning review](http://www.nature.com/articles/nature14539.epdf?referrer_ac"
        "cess_token=K4aw&tracking_referrer=www.nature.com)** in *Nature* (2015) by Y. LeCun, "
        "Y. Bengio and G. Hinton",
        [{"kind": "paper", "doi": "10.1038/nature14539", "title": "Deep Learning review",
          "authors": ["LeCun, Y.", "Bengio, Y.", "Hinton, G."], "year": "2015",
          "journal": "Nature",
          "url": "http://www.nature.com/articles/nature14539.epdf?referrer_access_token=K4aw"
                 "&tracking_referrer=www.nature.com"}],
        id="seed-nature-doi-in-url",
    ),
    pytest.param(
        "2. **[Deep Learning Book (Draft)](http://www.deeplearningbook.org/)**\tby I. Goodfellow,"
        " Y. Bengio and A. Courville. The book is not finished and the html version is quite ugly",
        [{"kind": "paper", "title": "Deep Learning Book (Draft)",
          "authors": ["Goodfellow, I.", "Bengio, Y.", "Courville, A."], "book": True,
          "url": "http://www.deeplearningbook.org/"}],
        id="seed-book-no-year",
    ),
    pytest.param(
        "4. **[Practical Recommendations for Gradient-Based Training of Deep\nArchitectures]"
        "(http://arxiv.org/pdf/1206.5533v2.pdf)** by Y. Bengio (2012).",
        [{"kind": "arxiv", "arxiv": "1206.5533v2",
          "title": "Practical Recommendations for Gradient-Based Training of Deep Architectures",
          "authors": ["Bengio, Y."], "year": "2012", "url": "http://arxiv.org/pdf/1206.5533v2.pdf"}],
        id="seed-arxiv-pdf-title-over-two-lines",
    ),
    pytest.param(
        "5. **[Random Search for Hyper-Parameter Optimization](http://www.jmlr.org/papers/volume13"
        "/bergstra12a/bergstra12a.pdf)** in *Journal of Machine Learning Research* by J. Bergstra"
        " and Y. Bengio (2012)",
        [{"kind": "paper", "proc": "jmlr:13/bergstra12a",
          "title": "Random Search for Hyper-Parameter Optimization",
          "authors": ["Bergstra, J.", "Bengio, Y."], "year": "2012",
          "journal": "Journal of Machine Learning Research",
          "url": "http://www.jmlr.org/papers/volume13/bergstra12a/bergstra12a.pdf"}],
        id="seed-jmlr-in-journal-by",
    ),
    pytest.param(
        "7. **[Dropout : A Simple Way to Prevent Neural Networks from Overfitting](https://www.cs."
        "toronto.edu/~hinton/absps/JMLRdropout.pdf)** in *Journal of Machine Learning Research* by"
        " N. Srivastava, G. Hinton, A. Krizhevsky, I Sutskever and R. Salakhutdinov (2014)",
        [{"kind": "paper",
          "title": "Dropout : A Simple Way to Prevent Neural Networks from Overfitting",
          "authors": ["Srivastava, N.", "Hinton, G.", "Krizhevsky, A.", "Sutskever, I.",
                      "Salakhutdinov, R."],
          "year": "2014", "journal": "Journal of Machine Learning Research",
          "url": "https://www.cs.toronto.edu/~hinton/absps/JMLRdropout.pdf"}],
        id="seed-initial-without-dot",
    ),
    pytest.param(
        "2. **[An Empirical Exploration of Recurrent Network Architectures](http://jmlr.org/procee"
        "dings/papers/v37/jozefowicz15.pdf)** in *Proceedings of the 32nd International Conference"
        " on Machine\nLearning* by R. Jozefowicz, W. Zaremba and I. Sutskever (2015)",
        [{"kind": "paper", "proc": "pmlr:v37/jozefowicz15",
          "title": "An Empirical Exploration of Recurrent Network Architectures",
          "authors": ["Jozefowicz, R.", "Zaremba, W.", "Sutskever, I."], "year": "2015",
          "journal": "Proceedings of the 32nd International Conference on Machine Learning",
          "url": "http://jmlr.org/proceedings/papers/v37/jozefowicz15.pdf"}],
        id="seed-pmlr-old-address",
    ),
    pytest.param(
        "3. **[Recurrent Neural Network Regularization](http://arxiv.org/pdf/1409.2329v5.pdf)** "
        "*(Under review as a conference paper at ICLR 2015)*\tby W. Zaremba, I. Sutskever and "
        "O. Vinyals (2015)",
        [{"kind": "arxiv", "arxiv": "1409.2329v5",
          "title": "Recurrent Neural Network Regularization",
          "authors": ["Zaremba, W.", "Sutskever, I.", "Vinyals, O."], "year": "2015",
          "url": "http://arxiv.org/pdf/1409.2329v5.pdf"}],
        id="seed-under-review-is-not-a-venue",
    ),
    pytest.param(
        "4. **[Sequence to sequence learning with neural networks](http://papers.nips.cc/paper/534"
        "6-sequence-to-sequence-learning-with-neural-networks.pdf)** *(NIPS)* by I. Sutskever, O."
        " Vinyals and Q. Le (2014). Check out I. Sutskever's presentation [video](http://research"
        ".microsoft.com/apps/video/?id=239083) on this paper and his [website](https://www.cs.toro"
        "nto.edu/~ilya/pubs/) for more.",
        [{"kind": "paper", "proc": "nips:5346",
          "title": "Sequence to sequence learning with neural networks",
          "authors": ["Sutskever, I.", "Vinyals, O.", "Le, Q."], "year": "2014",
          "booktitle": "Advances in Neural Information Processing Systems",
          "url": "http://papers.nips.cc/paper/5346-sequence-to-sequence-learning-with-neural-"
                 "networks.pdf"},
         {"kind": "web", "title": "Sequence to sequence learning with neural networks (video)",
          "url": "http://research.microsoft.com/apps/video/?id=239083"},
         {"kind": "web", "title": "Pubs", "url": "https://www.cs.toronto.edu/~ilya/pubs/"}],
        id="seed-nips-with-video-and-website",
    ),
    pytest.param(
        "1. Check out A. Karpathy's famous blog post on **[The Unreasonable Effectiveness of "
        "Recurrent Neural Networks](http://karpathy.github.io/2015/05/21/rnn-effectiveness/)**",
        [{"kind": "web", "title": "The Unreasonable Effectiveness of Recurrent Neural Networks",
          "url": "http://karpathy.github.io/2015/05/21/rnn-effectiveness/"}],
        id="seed-blog-post-in-prose",
    ),
    pytest.param(
        "1. **<http://www.r2d3.us/>** A **beginner's** introduction to **machine learning** "
        "(with decision trees), how it works and what is at stake.",
        [{"kind": "web", "title": "r2d3.us", "url": "http://www.r2d3.us/"}],
        id="seed-bold-autolink",
    ),
    pytest.param(
        "\t*  [Which GPU(s) to Get for Deep Learning]((http://timdettmers.com/2014/08/14/which-"
        "gpu-for-deep-learning/)): My Experience and Advice for Using GPUs in Deep Learning",
        [{"kind": "web", "title": "Which GPU(s) to Get for Deep Learning",
          "url": "http://timdettmers.com/2014/08/14/which-gpu-for-deep-learning/"}],
        id="seed-doubled-parentheses",
    ),
    pytest.param(
        "4. **<http://www.wildml.com>** Nice review of deep learning, great glossary worth reading"
        " [Glossary] (http://www.wildml.com/deep-learning-glossary/)",
        [{"kind": "web", "title": "wildml.com", "url": "http://www.wildml.com"},
         {"kind": "web", "title": "Glossary", "url": "http://www.wildml.com/deep-learning-glossary/"}],
        id="seed-space-before-link-parenthesis",
    ),
]  # fmt: skip

AWESOME_LINES = [
    pytest.param(
        "- **Distilling the knowledge in a neural network** (2015), G. Hinton et al. [[pdf]]"
        "(http://arxiv.org/pdf/1503.02531)",
        [{"kind": "arxiv", "arxiv": "1503.02531",
          "title": "Distilling the knowledge in a neural network",
          "authors": ["Hinton, G."], "et_al": True, "year": "2015",
          "url": "http://arxiv.org/pdf/1503.02531"}],
        id="awesome-bold-title-year-et-al",
    ),
    pytest.param(
        "- **Random search for hyper-parameter optimization** (2012) J. Bergstra and Y. Bengio "
        "[[pdf]](http://www.jmlr.org/papers/volume13/bergstra12a/bergstra12a)",
        [{"kind": "paper", "proc": "jmlr:13/bergstra12a",
          "title": "Random search for hyper-parameter optimization",
          "authors": ["Bergstra, J.", "Bengio, Y."], "year": "2012",
          "url": "http://www.jmlr.org/papers/volume13/bergstra12a/bergstra12a"}],
        id="awesome-no-comma-no-pdf-suffix",
    ),
    pytest.param(
        "- **Batch normalization: Accelerating deep network training by reducing internal "
        "covariate shift** (2015), S. Loffe and C. Szegedy [[pdf]](http://arxiv.org/pdf/1502.03167)",
        [{"kind": "arxiv", "arxiv": "1502.03167",
          "title": "Batch normalization: Accelerating deep network training by reducing internal "
                   "covariate shift",
          "authors": ["Loffe, S.", "Szegedy, C."], "year": "2015",
          "url": "http://arxiv.org/pdf/1502.03167"}],
        id="awesome-misspelt-author",
    ),
    pytest.param(
        "- LSTM: A search space odyssey (2016), K. Greff et al. [[pdf]](https://arxiv.org/pdf/1503"
        ".04069.pdf?utm_content=buffereddc5&utm_medium=social&utm_source=plus.google.com&utm_"
        "campaign=buffer)",
        [{"kind": "arxiv", "arxiv": "1503.04069", "title": "LSTM: A search space odyssey",
          "authors": ["Greff, K."], "et_al": True, "year": "2016",
          "url": "https://arxiv.org/pdf/1503.04069.pdf?utm_content=buffereddc5&utm_medium=social"
                 "&utm_source=plus.google.com&utm_campaign=buffer"}],
        id="awesome-tracking-query-string",
    ),
    pytest.param(
        "- Fast and accurate deep network learning by exponential linear units (ELUS) (2015), D. "
        "Clevert et al. [[pdf]](https://arxiv.org/pdf/1511.07289.pdf%5Cnhttp://arxiv.org/abs/1511"
        ".07289%5Cnhttp://arxiv.org/abs/1511.07289)",
        [{"kind": "arxiv", "arxiv": "1511.07289",
          "title": "Fast and accurate deep network learning by exponential linear units (ELUS)",
          "authors": ["Clevert, D."], "et_al": True, "year": "2015",
          "url": "https://arxiv.org/pdf/1511.07289.pdf"}],
        id="awesome-glued-urls",
    ),
    pytest.param(
        "- Mask R-CNN (2017), K. He et al. [[pdf]](https://128.84.21.199/pdf/1703.06870)",
        [{"kind": "arxiv", "arxiv": "1703.06870", "title": "Mask R-CNN", "authors": ["He, K."],
          "et_al": True, "year": "2017", "url": "https://128.84.21.199/pdf/1703.06870"}],
        id="awesome-arxiv-by-ip-address",
    ),
    pytest.param(
        "- **Deep Reinforcement Learning with Double Q-Learning** (2016), H. Hasselt et al. "
        "[[pdf]](https://arxiv.org/pdf/1509.06461.pdf )",
        [{"kind": "arxiv", "arxiv": "1509.06461",
          "title": "Deep Reinforcement Learning with Double Q-Learning", "authors": ["Hasselt, H."],
          "et_al": True, "year": "2016", "url": "https://arxiv.org/pdf/1509.06461.pdf"}],
        id="awesome-space-inside-parentheses",
    ),
    pytest.param(
        "- **Playing atari with deep reinforcement learning** (2013), V. Mnih et al. [[pdf]]"
        "(http://arxiv.org/pdf/1312.5602.pdf))",
        [{"kind": "arxiv", "arxiv": "1312.5602",
          "title": "Playing atari with deep reinforcement learning", "authors": ["Mnih, V."],
          "et_al": True, "year": "2013", "url": "http://arxiv.org/pdf/1312.5602.pdf"}],
        id="awesome-extra-closing-parenthesis",
    ),
    pytest.param(
        "- Batch renormalization: Towards reducing minibatch dependence in batch-normalized models"
        " (2017), S. Ioffe. [[pdf]](https://arxiv.org/abs/1702.03275)",
        [{"kind": "arxiv", "arxiv": "1702.03275",
          "title": "Batch renormalization: Towards reducing minibatch dependence in "
                   "batch-normalized models",
          "authors": ["Ioffe, S."], "year": "2017", "url": "https://arxiv.org/abs/1702.03275"}],
        id="awesome-abs-url",
    ),
    pytest.param(
        "- Neural Machine Translation and Sequence-to-sequence Models(2017): A Tutorial, G. Neubig."
        " [[pdf]](http://arxiv.org/pdf/1703.01619v1.pdf)",
        [{"kind": "arxiv", "arxiv": "1703.01619v1",
          "title": "Neural Machine Translation and Sequence-to-sequence Models: A Tutorial",
          "authors": ["Neubig, G."], "year": "2017", "url": "http://arxiv.org/pdf/1703.01619v1.pdf"}],
        id="awesome-year-inside-title",
    ),
    pytest.param(
        "- Learning a Deep Convolutional Network for Image Super-Resolution (2014, C. Dong et al. "
        "[[pdf]](https://www.researchgate.net/profile/x/links/53e5.pdf)",
        [{"kind": "paper",
          "title": "Learning a Deep Convolutional Network for Image Super-Resolution",
          "authors": ["Dong, C."], "et_al": True, "year": "2014",
          "url": "https://www.researchgate.net/profile/x/links/53e5.pdf"}],
        id="awesome-unclosed-year-parenthesis",
    ),
    pytest.param(
        "- Adversarially learned inference (2016), V. Dumoulin et al. [[web]](https://ishmaelbelgh"
        "azi.github.io/ALI/)[[pdf]](https://arxiv.org/pdf/1606.00704v1)",
        [{"kind": "arxiv", "arxiv": "1606.00704v1", "title": "Adversarially learned inference",
          "authors": ["Dumoulin, V."], "et_al": True, "year": "2016",
          "url": "https://ishmaelbelghazi.github.io/ALI/"}],
        id="awesome-web-and-pdf-links-of-one-work",
    ),
    pytest.param(
        "- **Mastering the game of Go with deep neural networks and tree search** (2016), D. "
        "Silver et al. [[pdf]](http://www.nature.com/nature/journal/v529/n7587/full/nature16961"
        ".html)",
        [{"kind": "paper", "doi": "10.1038/nature16961",
          "title": "Mastering the game of Go with deep neural networks and tree search",
          "authors": ["Silver, D."], "et_al": True, "year": "2016",
          "url": "http://www.nature.com/nature/journal/v529/n7587/full/nature16961.html"}],
        id="awesome-nature-article-doi",
    ),
    pytest.param(
        "- Long short-term memory (1997), S. Hochreiter and J. Schmidhuber. [[pdf]](http://www.mit"
        "pressjournals.org/doi/pdfplus/10.1162/neco.1997.9.8.1735)",
        [{"kind": "paper", "doi": "10.1162/neco.1997.9.8.1735", "title": "Long short-term memory",
          "authors": ["Hochreiter, S.", "Schmidhuber, J."], "year": "1997",
          "url": "http://www.mitpressjournals.org/doi/pdfplus/10.1162/neco.1997.9.8.1735"}],
        id="awesome-doi-in-publisher-path",
    ),
    pytest.param(
        "- **Recursive deep models for semantic compositionality over a sentiment treebank** "
        "(2013), R. Socher et al. [[pdf]](http://citeseerx.ist.psu.edu/viewdoc/download?doi=10.1"
        ".1.383.1327&rep=rep1&type=pdf)",
        [{"kind": "paper",
          "title": "Recursive deep models for semantic compositionality over a sentiment treebank",
          "authors": ["Socher, R."], "et_al": True, "year": "2013",
          "url": "http://citeseerx.ist.psu.edu/viewdoc/download?doi=10.1.1.383.1327&rep=rep1"
                 "&type=pdf"}],
        id="awesome-citeseer-id-is-not-a-doi",
    ),
    pytest.param(
        "- **Fast R-CNN** (2015), R. Girshick [[pdf]](http://www.cv-foundation.org/openaccess/"
        "content_iccv_2015/papers/Girshick_Fast_R-CNN_ICCV_2015_paper.pdf)",
        [{"kind": "paper", "proc": "cvf:girshick_fast_r-cnn_iccv_2015", "title": "Fast R-CNN",
          "authors": ["Girshick, R."], "year": "2015",
          "url": "http://www.cv-foundation.org/openaccess/content_iccv_2015/papers/Girshick_Fast_"
                 "R-CNN_ICCV_2015_paper.pdf"}],
        id="awesome-cvf-open-access",
    ),
    pytest.param(
        "- Transition-Based Dependency Parsing with Stack Long Short-Term Memory (2015), C. Dyer "
        "et al. [[pdf]](http://aclweb.org/anthology/P/P15/P15-1033.pdf)",
        [{"kind": "paper", "proc": "acl:p15-1033",
          "title": "Transition-Based Dependency Parsing with Stack Long Short-Term Memory",
          "authors": ["Dyer, C."], "et_al": True, "year": "2015",
          "url": "http://aclweb.org/anthology/P/P15/P15-1033.pdf"}],
        id="awesome-acl-anthology",
    ),
    pytest.param(
        "- Describing videos by exploiting temporal structure (2015), L. Yao et al. [[pdf]](http:"
        "//www.cv-foundation.org/openaccess/content_iccv_2015/papers/Yao_Describing_Videos_by_"
        "ICCV_2015_paper.pdf)",
        [{"kind": "paper", "proc": "cvf:yao_describing_videos_by_iccv_2015",
          "title": "Describing videos by exploiting temporal structure", "authors": ["Yao, L."],
          "et_al": True, "year": "2015",
          "url": "http://www.cv-foundation.org/openaccess/content_iccv_2015/papers/Yao_Describing"
                 "_Videos_by_ICCV_2015_paper.pdf"}],
        id="awesome-by-inside-title",
    ),
    pytest.param(
        "- On the properties of neural machine translation: Encoder-decoder approaches (2014), K."
        " Cho et. al.",
        [{"kind": "citation",
          "title": "On the properties of neural machine translation: Encoder-decoder approaches",
          "authors": ["Cho, K."], "et_al": True, "year": "2014"}],
        id="awesome-no-link-misspelt-et-al",
    ),
    pytest.param(
        "- Theano: A Python framework for fast computation of mathematical expressions, R. "
        "Al-Rfou et al.",
        [{"kind": "citation",
          "title": "Theano: A Python framework for fast computation of mathematical expressions",
          "authors": ["Al-Rfou, R."], "et_al": True}],
        id="awesome-no-link-no-year",
    ),
    pytest.param(
        "- A Fast and Accurate Dependency Parser using Neural Networks. Chen and Manning. [[pdf]]"
        "(http://cs.stanford.edu/people/danqi/papers/emnlp2014.pdf)",
        [{"kind": "paper", "title": "A Fast and Accurate Dependency Parser using Neural Networks",
          "authors": ["Chen", "Manning"],
          "url": "http://cs.stanford.edu/people/danqi/papers/emnlp2014.pdf"}],
        id="awesome-family-names-only",
    ),
    pytest.param(
        "- Neural Network and Deep Learning (Book, Jan 2017), Michael Nielsen. [[html]](http://"
        "neuralnetworksanddeeplearning.com/index.html)",
        [{"kind": "paper", "title": "Neural Network and Deep Learning",
          "authors": ["Nielsen, Michael"], "year": "2017", "book": True,
          "url": "http://neuralnetworksanddeeplearning.com/index.html"}],
        id="awesome-book-with-month",
    ),
    pytest.param(
        "- CS231n, Convolutional Neural Networks for Visual Recognition, Stanford University "
        "[[web]](http://cs231n.stanford.edu/)",
        [{"kind": "web",
          "title": "CS231n, Convolutional Neural Networks for Visual Recognition, "
                   "Stanford University",
          "url": "http://cs231n.stanford.edu/"}],
        id="awesome-course-is-web",
    ),
    pytest.param(
        "- Improving distributional similarity with lessons learned from word embeddings, O. Levy"
        " et al. [[pdf]] (https://www.transacl.org/ojs/index.php/tacl/article/download/570/124)",
        [{"kind": "paper",
          "title": "Improving distributional similarity with lessons learned from word embeddings",
          "authors": ["Levy, O."], "et_al": True,
          "url": "https://www.transacl.org/ojs/index.php/tacl/article/download/570/124"}],
        id="awesome-broken-link-with-space",
    ),
]  # fmt: skip

OTHER_FORMS = [
    pytest.param("See arXiv:1502.03167v3 for details.",
                 [{"kind": "arxiv", "arxiv": "1502.03167v3"}], id="arxiv-prefix-in-text"),
    pytest.param("Old style: arXiv:hep-th/9901001 and <https://arxiv.org/abs/math.GT/0309136v2>",
                 [{"kind": "arxiv", "arxiv": "math.GT/0309136v2",
                   "url": "https://arxiv.org/abs/math.GT/0309136v2"},
                  {"kind": "arxiv", "arxiv": "hep-th/9901001"}], id="old-style-ids"),
    pytest.param("- [Paper](https://export.arxiv.org/abs/2101.00001v2?context=cs#fragment)",
                 [{"kind": "arxiv", "arxiv": "2101.00001v2",
                   "url": "https://export.arxiv.org/abs/2101.00001v2?context=cs#fragment"}],
                 id="export-mirror-with-query-and-fragment"),
    pytest.param("doi:10.1038/nature14539 and https://doi.org/10.1145/3065386, also 10.1000/xyz1.",
                 [{"kind": "doi", "doi": "10.1145/3065386", "url": "https://doi.org/10.1145/3065386"},
                  {"kind": "doi", "doi": "10.1038/nature14539"},
                  {"kind": "doi", "doi": "10.1000/xyz1"}], id="dois-bare-prefixed-url"),
    pytest.param("- [Trust region](https://proceedings.mlr.press/v37/schulman15.html)",
                 [{"kind": "paper", "proc": "pmlr:v37/schulman15", "title": "Trust region",
                   "url": "https://proceedings.mlr.press/v37/schulman15.html"}],
                 id="pmlr-new-host"),
    pytest.param("- Generative adversarial nets by I. Goodfellow and Y. Bengio (2014)",
                 [{"kind": "citation", "title": "Generative adversarial nets",
                   "authors": ["Goodfellow, I.", "Bengio, Y."], "year": "2014"}],
                 id="title-by-authors-year-without-link"),
    pytest.param("- [Adam](https://arxiv.org/abs/1412.6980 \"Adam paper\")",
                 [{"kind": "arxiv", "arxiv": "1412.6980", "title": "Adam",
                   "url": "https://arxiv.org/abs/1412.6980"}], id="link-with-title-attribute"),
    pytest.param("- [Adam](https://arxiv.org/abs/1412.6980 is a good read\n- next item",
                 [{"kind": "arxiv", "arxiv": "1412.6980", "title": "Adam",
                   "url": "https://arxiv.org/abs/1412.6980"}], id="unclosed-link-parenthesis"),
    pytest.param("- [Adam(https://arxiv.org/abs/1412.6980)",
                 [{"kind": "arxiv", "arxiv": "1412.6980",
                   "url": "https://arxiv.org/abs/1412.6980"}], id="unclosed-link-bracket"),
    pytest.param("- [Attention](https://doi.org/10.48550/arXiv.1706.03762)",
                 [{"kind": "arxiv", "arxiv": "1706.03762", "doi": "10.48550/arXiv.1706.03762",
                   "title": "Attention", "url": "https://doi.org/10.48550/arXiv.1706.03762"}],
                 id="arxiv-doi-link"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), SEED_LINES + AWESOME_LINES + OTHER_FORMS)
def test_extracts_references_from_real_lines(line: str, expected: list[dict[str, Any]]) -> None:
    assert extract(line) == expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param("4. **[Reading lists](#reading-lists)** Explore", "anchor within the list",
                     id="anchor"),
        pytest.param("[![Awesome](https://cdn.rawgit.com/x/badge.svg)](https://github.com/s/awesome)",
                     "image link (a badge or figure)", id="badge"),
        pytest.param("![figure](http://example.org/fig.png)", "image", id="image"),
        pytest.param("a **_[goldmine](https://www.google.fr/search?q=goldmine&tbm=isch)_** to",
                     "search page", id="search-page"),
        pytest.param("Here is [Andrew Ng](http://www.andrewng.org/)'s most famous MOOC", MENTION,
                     id="possessive-name"),
        pytest.param("It uses [Octave](https://www.gnu.org/software/octave/) (free version of)",
                     MENTION, id="product-mid-sentence"),
        pytest.param("I want to **thank [M. Nielsen](http://michaelnielsen.org/)** for his work",
                     MENTION, id="name-inside-bold-sentence"),
        pytest.param("follow my [twitter](https://twitter.com/TerryUm_ML)", "social media page",
                     id="social"),
        pytest.param("(by [@Karpathy](https://github.com/karpathy))", "profile page (GitHub user)",
                     id="github-profile"),
        pytest.param("[suggestions](https://github.com/Vict0rSch/Deep-Learning/pulls) to this list",
                     "a repository's issue or pull-request page", id="pull-requests"),
        pytest.param("<!---[Key researchers] [Geoffrey Hinton](https://scholar.google.ca/citations?"
                     "user=JicYPdAAAAAJ)-->", "inside an HTML comment", id="html-comment"),
    ],
)  # fmt: skip
def test_ignores_links_that_are_not_works(line: str, reason: str) -> None:
    reading = parse_reading_list(line, Path("list.md"))
    assert reading.candidates == []
    assert [i.reason for i in reading.ignored] == [reason]
    assert reading.ignored[0].line == 1


def test_line_numbers_and_sections_follow_the_file() -> None:
    reading = read_reading_list(AWESOME)
    by_line = {c.line: c for c in reading.candidates}
    assert by_line[72].section == "Understanding / Generalization / Transfer"
    assert by_line[72].arxiv_id is not None
    assert by_line[72].arxiv_id.id == "1503.02531"
    assert by_line[378].section == "Appendix: More than Top 100"
    assert by_line[378].text.startswith("- A Fast and Accurate Dependency Parser")


def test_seed_list_cites_every_work_once_in_file_order() -> None:
    reading = read_reading_list(SEED)
    assert reading.format == "markdown"
    lines = [c.line for c in reading.candidates]
    assert lines == sorted(lines)
    assert len(reading.candidates) == 41
    assert [c.arxiv_id.id for c in reading.candidates if c.arxiv_id] == [
        "1206.5533", "1502.01852", "1502.03167", "1506.00019", "1409.2329",
    ]  # fmt: skip
    assert {c.section for c in reading.candidates} == {
        "Starting with Machine Learning", "Starting with Deep Learning", "Reading papers",
        "General Deep Learning papers and books", "On Recurrent Neural Networks", "Other",
        "Reading lists",
    }  # fmt: skip


def test_awesome_list_finds_every_arxiv_link() -> None:
    reading = read_reading_list(AWESOME)
    ids = [c.arxiv_id.id for c in reading.candidates if c.arxiv_id]
    # 114 links to arxiv.org or its address 128.84.21.199, each to a different paper; the glued
    # link of 1511.07289 (three URLs in one) counts once
    assert len(ids) == len(set(ids)) == 114
    assert {"1511.07289", "1703.06870", "1503.04069", "1606.00704"} <= set(ids)


def test_html_list_is_read_with_lines_and_sections() -> None:
    html = (
        "<!doctype html>\n<html><head><title>x</title>\n"
        '<meta name="date" content="2024-03-01"></head><body>\n'
        "<h2>Optimisation</h2>\n<ul>\n"
        "<li><b>Adam: A method for stochastic optimization</b> (2014), D. Kingma and J. Ba\n"
        '  <a href="https://arxiv.org/pdf/1412.6980">[pdf]</a></li>\n'
        '<li><a href="https://distill.pub/2017/momentum/">Why Momentum Really Works</a></li>\n'
        '<li><a href="#top">top</a></li>\n'
        "</ul>\n<!-- <a href='https://arxiv.org/abs/1706.03762'>hidden</a> -->\n</body></html>\n"
    )
    reading = parse_reading_list(html, Path("list.html"))
    assert reading.format == "html"
    assert reading.date == "2024-03-01"
    assert [summary(c) for c in reading.candidates] == [
        {"kind": "arxiv", "arxiv": "1412.6980",
         "title": "Adam: A method for stochastic optimization",
         "authors": ["Kingma, D.", "Ba, J."], "year": "2014", "url": "https://arxiv.org/pdf/1412.6980"},
        {"kind": "web", "title": "Why Momentum Really Works",
         "url": "https://distill.pub/2017/momentum/"},
    ]  # fmt: skip
    assert [(c.line, c.section) for c in reading.candidates] == [
        (7, "Optimisation"), (8, "Optimisation"),
    ]  # fmt: skip
    assert [i.reason for i in reading.ignored] == [
        "anchor within the list",
        "inside an HTML comment",
    ]


def test_plain_text_list_has_headings_and_bare_urls() -> None:
    text = (
        "Reading list, last updated: 2018-05-17\n\nOptimisation\n\n"
        "Adam: A method for stochastic optimization (2014), D. Kingma and J. Ba\n"
        "https://arxiv.org/abs/1502.03167v3 Batch normalization\n"
    )
    reading = parse_reading_list(text, Path("list.txt"))
    assert reading.format == "text"
    assert reading.date == "2018-05-17"
    assert [(c.line, c.kind, c.section) for c in reading.candidates] == [
        (5, "citation", "Optimisation"), (6, "arxiv", "Optimisation"),
    ]  # fmt: skip


def test_front_matter_is_skipped_and_gives_the_date() -> None:
    text = "---\ntitle: x\ndate: 2019-02-03 10:00\n---\n- [A](https://example.org/a)\n"
    reading = parse_reading_list(text, Path("list.md"))
    assert reading.date == "2019-02-03"
    assert [(c.line, c.url) for c in reading.candidates] == [(5, "https://example.org/a")]


def test_code_blocks_are_not_read() -> None:
    text = "```\nhttps://arxiv.org/abs/1502.03167\n```\n- https://arxiv.org/abs/1412.6980\n"
    reading = parse_reading_list(text, Path("list.md"))
    assert [str(c.arxiv_id) for c in reading.candidates] == ["1412.6980"]


@pytest.mark.parametrize(
    ("text", "name", "fmt"),
    [
        pytest.param("# A\n- [x](http://a.org)", "list", "markdown", id="markdown-by-content"),
        pytest.param("<html><body><a href='x'>x</a>", "list", "html", id="html-by-content"),
        pytest.param("Just words\nhttp://a.org\n", "list", "text", id="text-by-content"),
        pytest.param("# A", "list.txt", "text", id="suffix-wins"),
        pytest.param("x", "list.HTM", "html", id="suffix-case-insensitive"),
    ],
)
def test_detect_format(text: str, name: str, fmt: str) -> None:
    assert detect_format(text, Path(name)) == fmt


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "is empty", id="empty"),
        pytest.param(b"  \n\n\t\n", "is empty", id="blank"),
        pytest.param(b"# list\n\n\x89PNG\r\n\x1a\n\x00\x00", "5: is a binary file, not a text "
                     "reading list", id="binary"),
        pytest.param(b"# list\n- caf\xe9 https://a.org\n", "2: is not UTF-8 text (byte 0xe9)",
                     id="latin-1"),
    ],
)  # fmt: skip
def test_unreadable_lists_raise_with_file_and_line(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(data)
    with pytest.raises(ReadingListError) as info:
        read_reading_list(path)
    expected = f"{path}:{message}" if message[0].isdigit() else f"{path}: {message}"
    assert str(info.value) == expected


def test_missing_list_raises(tmp_path: Path) -> None:
    with pytest.raises(ReadingListError, match="no such file"):
        read_reading_list(tmp_path / "nope.md")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes("\ufeff- https://arxiv.org/abs/1412.6980\n".encode())
    assert [str(c.arxiv_id) for c in read_reading_list(path).candidates] == ["1412.6980"]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        pytest.param("HTTPS://WWW.Example.org/a/b/", "example.org/a/b", id="scheme-www-case-slash"),
        pytest.param("http://example.org/a/index.html#top", "example.org/a", id="index-fragment"),
        pytest.param("https://example.org/p?utm_source=x&id=3&fbclid=y", "example.org/p?id=3",
                     id="tracking-params"),
        pytest.param("https://www.youtube.com/watch?v=56TYLaQN4N8&index=1&list=PL0",
                     "youtube.com/watch?v=56tylaqn4n8", id="youtube-video-only"),
        pytest.param("http://example.org:80/x%20y", "example.org/x y", id="default-port-quoted"),
        pytest.param("#anchor", "", id="not-absolute"),
    ],
)  # fmt: skip
def test_url_key(url: str, key: str) -> None:
    from dlbib.readinglist.urls import url_key

    assert url_key(url) == key


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        pytest.param("https://www.youtube.com/watch?v=x", "Video", id="video"),
        pytest.param(
            "https://www.udacity.com/course/deep-learning--ud730", "Online course", id="course"
        ),
        pytest.param("https://github.com/a/b", "GitHub repository", id="repository"),
        pytest.param("http://timdettmers.com/2014/08/14/which-gpu/", "Blog post", id="dated-post"),
        pytest.param("http://karpathy.github.io/", "Blog", id="blog-home"),
        pytest.param("https://www.quora.com/topic/Machine-Learning", "Website", id="website"),
    ],
)
def test_web_type(url: str, kind: str) -> None:
    from dlbib.readinglist.urls import web_type

    assert web_type(url) == kind
