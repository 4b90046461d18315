"""Audio to a report: transcript, analysers, scores and tips (``pipeline``), the ``Report``
and its JSON form (``result``), and scoring while recording (``stream``)."""
