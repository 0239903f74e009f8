"""Lesson 08's plumbing: the bilinear game of two players (:mod:`.game`) and the failure-and-remedy studies on
dSprites (:mod:`.studies`)."""
