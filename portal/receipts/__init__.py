"""PDF receipts, acknowledgements of receipt and credit notes.

`portal.receipts.render` turns a context of plain values (strings already formatted and
translated, numbers, lists and dicts; built elsewhere, from the database) into PDF bytes with
WeasyPrint, and signs them with pyHanko when the office has configured a signing certificate.
Nothing here touches the database: the same context always gives the same document.

Templates: `templates/receipts/`; print stylesheet: `static/css/receipt.css`.
"""
