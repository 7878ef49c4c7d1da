"""Zotero schema 41: the fields and creator types of each item type dlbib writes.

Generated from zotero/zotero-schema 5eedf4402ea6e7393eaf16902b63f572f48707a7 ``schema.json``
(``itemTypes[].fields``, their ``baseField``, and ``creatorTypes``), the schema the Zotero
oracle uses. Zotero discards a field its item type does not have, so the Zotero RDF writer puts
such values into Extra instead. Data only.
"""

from __future__ import annotations

from typing import Final


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FIELDS: Final[dict[str, frozenset[str]]] = {
    "preprint": _words(
        "title abstractNote genre repository archiveID place date series seriesNumber DOI "
        "citationKey url accessDate archive archiveLocation shortTitle language libraryCatalog "
        "callNumber rights extra"
    ),
    "journalArticle": _words(
        "title abstractNote publicationTitle publisher place date volume issue section partNumber "
        "partTitle pages series seriesTitle seriesText journalAbbreviation DOI citationKey url "
        "accessDate PMID PMCID ISSN archive archiveLocation shortTitle language libraryCatalog "
        "callNumber rights extra"
    ),
    "conferencePaper": _words(
        "title abstractNote proceedingsTitle conferenceName publisher place date eventPlace volume "
        "issue numberOfVolumes pages series seriesNumber DOI ISBN citationKey url accessDate ISSN "
        "archive archiveLocation shortTitle language libraryCatalog callNumber rights extra"
    ),
    "book": _words(
        "title abstractNote series seriesNumber volume numberOfVolumes edition date publisher "
        "place originalDate originalPublisher originalPlace format numPages ISBN DOI citationKey "
        "url accessDate ISSN archive archiveLocation shortTitle language libraryCatalog callNumber "
        "rights extra"
    ),
    "bookSection": _words(
        "title abstractNote bookTitle series seriesNumber volume numberOfVolumes edition date "
        "publisher place originalDate originalPublisher originalPlace format pages ISBN DOI "
        "citationKey url accessDate ISSN archive archiveLocation shortTitle language "
        "libraryCatalog callNumber rights extra"
    ),
    "thesis": _words(
        "title abstractNote thesisType university place date series seriesNumber numPages DOI ISBN "
        "citationKey url accessDate ISSN archive archiveLocation shortTitle language "
        "libraryCatalog callNumber rights extra"
    ),
    "report": _words(
        "title abstractNote reportNumber reportType institution place date seriesTitle "
        "seriesNumber pages DOI ISBN citationKey url accessDate ISSN archive archiveLocation "
        "shortTitle language libraryCatalog callNumber rights extra"
    ),
    "patent": _words(
        "title abstractNote place country assignee issuingAuthority patentNumber filingDate pages "
        "applicationNumber priorityNumbers issueDate priorityDate references legalStatus DOI "
        "citationKey url accessDate shortTitle language rights extra"
    ),
    "manuscript": _words(
        "title abstractNote manuscriptType institution place date numPages number DOI citationKey "
        "url accessDate archive archiveLocation shortTitle language libraryCatalog callNumber "
        "rights extra"
    ),
    "letter": _words(
        "title abstractNote letterType date eventPlace DOI citationKey url accessDate archive "
        "archiveLocation shortTitle language libraryCatalog callNumber rights extra"
    ),
    "dataset": _words(
        "title abstractNote identifier type versionNumber date repository repositoryLocation "
        "format DOI citationKey url accessDate archive archiveLocation shortTitle language "
        "libraryCatalog callNumber rights extra"
    ),
    "computerProgram": _words(
        "title abstractNote seriesTitle versionNumber date system company place "
        "programmingLanguage rights citationKey url accessDate DOI ISBN archive archiveLocation "
        "libraryCatalog callNumber shortTitle extra"
    ),
    "videoRecording": _words(
        "title abstractNote videoRecordingFormat seriesTitle volume numberOfVolumes studio place "
        "date runningTime ISBN DOI citationKey url accessDate archive archiveLocation shortTitle "
        "language libraryCatalog callNumber rights extra"
    ),
    "blogPost": _words(
        "title abstractNote blogTitle websiteType date DOI citationKey url accessDate ISSN "
        "shortTitle language rights extra"
    ),
    "webpage": _words(
        "title abstractNote websiteTitle websiteType date publisher place DOI citationKey url "
        "accessDate shortTitle language rights extra"
    ),
    "document": _words(
        "title abstractNote type date publisher place DOI citationKey url accessDate archive "
        "archiveLocation shortTitle language libraryCatalog callNumber rights extra"
    ),
}
"""Item type → its fields (the type's own names, ``university``, not ``publisher``)."""

CREATORS: Final[dict[str, tuple[str, ...]]] = {
    "preprint": tuple("author contributor editor translator reviewedAuthor".split()),
    "journalArticle": tuple("author contributor editor translator reviewedAuthor".split()),
    "conferencePaper": tuple("author contributor editor translator seriesEditor".split()),
    "book": tuple("author contributor editor translator seriesEditor".split()),
    "bookSection": tuple("author contributor editor bookAuthor translator seriesEditor".split()),
    "thesis": tuple("author contributor".split()),
    "report": tuple("author editor contributor translator seriesEditor".split()),
    "patent": tuple("inventor attorneyAgent contributor".split()),
    "manuscript": tuple("author contributor translator".split()),
    "letter": tuple("author recipient contributor translator".split()),
    "dataset": tuple("author contributor".split()),
    "computerProgram": tuple("programmer contributor".split()),
    "videoRecording": tuple(
        "creator director producer scriptwriter executiveProducer castMember host guest narrator "
        "translator contributor".split()
    ),
    "blogPost": tuple("author translator commenter contributor".split()),
    "webpage": tuple("author contributor translator".split()),
    "document": tuple("author contributor editor translator reviewedAuthor".split()),
}
"""Item type → its creator types, the primary one first."""

BASE: Final[dict[str, dict[str, str]]] = {
    "preprint": dict(
        p.split(":") for p in "type:genre publisher:repository number:archiveID".split()
    ),
    "journalArticle": dict(p.split(":") for p in "".split()),
    "conferencePaper": dict(p.split(":") for p in "publicationTitle:proceedingsTitle".split()),
    "book": dict(p.split(":") for p in "medium:format".split()),
    "bookSection": dict(p.split(":") for p in "publicationTitle:bookTitle medium:format".split()),
    "thesis": dict(p.split(":") for p in "type:thesisType publisher:university".split()),
    "report": dict(
        p.split(":") for p in "number:reportNumber type:reportType publisher:institution".split()
    ),
    "patent": dict(
        p.split(":")
        for p in (
            "authority:issuingAuthority number:patentNumber date:issueDate "
            "originalDate:priorityDate status:legalStatus"
        ).split()
    ),
    "manuscript": dict(p.split(":") for p in "type:manuscriptType publisher:institution".split()),
    "letter": dict(p.split(":") for p in "type:letterType".split()),
    "dataset": dict(
        p.split(":")
        for p in (
            "number:identifier publisher:repository place:repositoryLocation medium:format"
        ).split()
    ),
    "computerProgram": dict(p.split(":") for p in "publisher:company".split()),
    "videoRecording": dict(
        p.split(":") for p in "medium:videoRecordingFormat publisher:studio".split()
    ),
    "blogPost": dict(p.split(":") for p in "publicationTitle:blogTitle type:websiteType".split()),
    "webpage": dict(p.split(":") for p in "publicationTitle:websiteTitle type:websiteType".split()),
    "document": dict(p.split(":") for p in "".split()),
}
"""Item type → base field → its own name for it (``publisher`` → ``university``)."""
