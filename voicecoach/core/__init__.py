"""Foundations every layer shares: the exception tree, the result types, where files live,
the filler lexicon, safe file reading and atomic writes, and the question bank."""
