"""Publishing the lessons, offline: the static site (``site``) and a reveal.js lecture deck per lesson (``slides``)."""
