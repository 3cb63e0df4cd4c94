"""Build hook: the site loads nothing from another host.

Notebook pages come with the loaders of nbconvert's HTML template for MathJax and Mermaid
(neither is used by the notebooks; the MathJax source is empty and Mermaid is fetched from a
CDN only when a page has a diagram). They are removed. Every page is then checked: a script,
stylesheet, font or image with an address on another host stops the build, so that the site
opens offline and sends no request elsewhere (links a reader may follow are fine).
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

_NOTEBOOK_LOADERS = (
    re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL),
    re.compile(r'<script type="module">(?:(?!</script>).)*?mermaid.*?</script>', re.DOTALL),
)
_REMOTE = re.compile(
    r"<(?:script|img|iframe|source)\b[^>]*\bsrc=[\"']?(?:https?:)?//"
    r"|<link\b[^>]*\bhref=[\"']?(?:https?:)?//",
    re.IGNORECASE,
)


def on_page_content(html, page, config, files):
    if page.file.src_uri.endswith(".ipynb"):
        for pattern in _NOTEBOOK_LOADERS:
            html = pattern.sub("", html)
    return html


def on_post_page(output, page, config):
    found = _REMOTE.search(output)
    if found:
        start = max(found.start() - 40, 0)
        raise PluginError(
            f"{page.file.src_uri}: the page would load something from another host: "
            f"{output[start : found.end() + 80]!r}"
        )
    return output
