"""Sample submissions for the Akson campaign mailbox: documents, mails, labelled campaigns.

Product code: ``akson-intake demo`` seeds its maildir with ``build_campaign`` and the
tests use the same factory. Everything is generated (no files are read) and
deterministic: the same arguments and seed give the same bytes.

Documents (bytes): ``declaration_pdf``, ``declaration_docx``, ``minutes_pdf``,
``cover_letter_pdf``, ``decline_letter_pdf``, ``scanned``, ``photo_jpeg``, ``zip_of``.
Mails (bytes): ``submission_email``, ``forwarded_email``, ``auto_reply_email``.
Campaigns: ``build_campaign`` and ``declaration_batch`` return ``Sample`` objects.
"""
from .campaign import CATEGORY_WEIGHTS, DEADLINE, Sample, build_campaign, declaration_batch
from .declaration import declaration_pdf
from .emails import Attachment, Auth, auto_reply_email, forwarded_email, submission_email
from .imaging import photo_jpeg, scanned
from .letters import cover_letter_pdf, decline_letter_pdf, minutes_pdf
from .names import Municipality, Signer, as_municipality, display_title
from .office import declaration_docx, zip_of
from .pdfbase import transliterate
from .specs import DeclarationSpec, LetterSpec, MinutesSpec

__all__ = [
    "Attachment", "Auth", "CATEGORY_WEIGHTS", "DEADLINE", "DeclarationSpec", "LetterSpec",
    "MinutesSpec", "Municipality", "Sample", "Signer", "as_municipality", "auto_reply_email",
    "build_campaign", "cover_letter_pdf", "declaration_batch", "declaration_docx",
    "declaration_pdf", "decline_letter_pdf", "display_title", "forwarded_email", "minutes_pdf",
    "photo_jpeg", "scanned", "submission_email", "transliterate", "zip_of",
]
