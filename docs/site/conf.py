"""Sphinx settings of the course site, built by ``make site`` (advdis_lessons.publish.site).

The source folder is assembled per build from notebooks/ and docs/; this folder only configures it. Nothing here
loads from the network: MathJax 2 is served from the site itself, the theme (alabaster) has no web fonts, and
widget outputs are static HTML, so myst-nb adds no widget scripts.
"""
from advdis_lessons.publish import site_mathjax

project = "advdis"
author = "the advdis authors"
copyright = "the advdis authors, MIT licence"
language = "en"
root_doc = "index"

extensions = ["myst_nb", "sphinx.ext.mathjax"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3                 # GitHub-style #anchors to headings, as the docs use on GitHub
myst_update_mathjax = False              # no MathJax 3 settings: the site serves MathJax 2
myst_dmath_double_inline = True          # $$...$$ inside a paragraph is display maths, as in JupyterLab

nb_execution_mode = "off"                # the stored outputs, never a kernel
nb_merge_streams = True                  # one block per stream, as JupyterLab shows it
nb_ipywidgets_js = {}                    # no require.js or widget manager from a CDN

mathjax_path = site_mathjax.PATH
mathjax2_config = site_mathjax.SETTINGS

html_theme = "alabaster"
html_theme_options = {"page_width": "1100px", "sidebar_width": "260px", "show_relbars": True}
html_title = "advdis: adversarial disentanglement, as an executable course"
html_static_path = ["_static"]
html_css_files = ["advdis.css"]
html_copy_source = False                 # no _sources/ copies of the notebooks and pages
html_show_sourcelink = False
